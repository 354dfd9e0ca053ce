// The MTU of a gretap over IPv6 as the kernel really sets it (lab VM: this
// machine's kernel has no ip6_gre). The kernel adds an 8-byte tunnel
// encapsulation limit option to every packet by default, so a tunnel over a
// 1500-byte uplink gets 1434, not the 1442 that mtu.ts derives; netgen writes
// EncapsulationLimit=none, and then 1442 is right: a 1442-byte packet with
// don't-fragment crosses, a 1443-byte one does not.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runInVm } from "../src/lab/vm.js";
import { tunnelMtu } from "../src/plan/mtu.js";
import { isRoot, labVm, tierAvailable } from "./support/tier.js";
import { GOLDEN_DIR } from "./golden/update.js";

const ready = tierAvailable("ip6gretap MTU on a real kernel (in the lab VM)", [isRoot, ...labVm]);

// Both ends in namespaces of the VM, one veth as the 1500-byte IPv6 underlay.
const SCRIPT = `set -u
modprobe ip6_gre; modprobe veth
ip netns add a; ip netns add b
ip link add ua netns a type veth peer name ub netns b
ip -n a addr add fd00:1::1/64 dev ua nodad; ip -n b addr add fd00:1::2/64 dev ub nodad
ip -n a link set ua up; ip -n b link set ub up
ip -n a link add kdef type ip6gretap local fd00:1::1 remote fd00:1::2
echo "default-mtu $(ip netns exec a cat /sys/class/net/kdef/mtu)"
# The kernel keeps one tunnel per pair of endpoints: the next one takes its place.
ip -n a link del kdef
for ns in a b; do
  if [ $ns = a ]; then l=fd00:1::1; r=fd00:1::2; x=10.9.0.1; else l=fd00:1::2; r=fd00:1::1; x=10.9.0.2; fi
  ip -n $ns link add t1 type ip6gretap local $l remote $r encaplimit none
  ip -n $ns addr add $x/30 dev t1; ip -n $ns link set t1 up
done
echo "none-mtu $(ip netns exec a cat /sys/class/net/t1/mtu)"
ip netns exec a ping -c 3 -W 2 10.9.0.2 >/dev/null && echo "reach ok"
# IPv4 in the tunnel: 20 (IP) + 8 (ICMP) + payload = the packet size.
for size in 1442 1443; do
  if ip netns exec a ping -c 1 -W 2 -M do -s $((size - 28)) 10.9.0.2 >/dev/null 2>&1; then echo "df $size ok"; else echo "df $size refused"; fi
done
`;

if (ready) {
  test("over a 1500-byte IPv6 uplink: kernel default 1434, 1442 with EncapsulationLimit=none, as netgen derives", async () => {
    const work = mkdtempSync(join(tmpdir(), "netgen-ip6gre-"));
    try {
      const { console } = await runInVm(work, SCRIPT, 3 * 60 * 1000);
      process.stdout.write(`\n${console.split("\n").filter((l) => /mtu|ok|refused/.test(l)).join("\n")}\n`);
      const figure = (name: string) => Number(/(\d+)\s*$/.exec(console.split("\n").find((l) => l.startsWith(name)) ?? "")?.[1]);
      assert.is(figure("default-mtu"), 1434, console);
      assert.is(figure("none-mtu"), 1442, console);
      assert.is(tunnelMtu(1500, 6, false), figure("none-mtu"));
      assert.match(console, /reach ok/);
      assert.match(console, /df 1442 ok/);
      assert.match(console, /df 1443 refused/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

test("every ip6gretap netgen renders says EncapsulationLimit=none", () => {
  let seen = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".netdev")) {
        const text = readFileSync(path, "utf8");
        if (!/^Kind=ip6gretap$/m.test(text)) continue;
        seen++;
        assert.match(text, /^EncapsulationLimit=none$/m, path);
      }
    }
  };
  walk(GOLDEN_DIR);
  assert.ok(seen >= 4, `only ${seen} ip6gretap netdevs in the golden trees`);
});

test.run();
