// On this machine's kernel, in namespaces: the real networkd applies the
// rendered files, the generated tc units' commands and systemd-sysctl run, and
// the kernel's state is read back: addresses, the multipath route and its
// weights, flows spread by the hash policy, HTB, the ifb and the redirect.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildLab, type Lab, type LabHost, runUnit, startAll, units } from "./support/lab-hosts.js";
import { inNs, json } from "../src/lab/namespaces.js";
import { waitFor } from "./support/networkd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";
import { NETWORKD } from "./support/networkd.js";

const SYSCTL = "/lib/systemd/systemd-sysctl";
const ready = tierAvailable("kernel state", [isRoot, file(NETWORKD), file(SYSCTL), command("tc"), command("unshare")]);

interface Addr { ifname: string; addr_info: { local: string; prefixlen: number }[] }
interface Route { dst: string; nexthops?: { gateway: string; dev: string; weight: number }[] }
interface Qdisc { kind: string; handle: string; root?: boolean; options?: { default?: string } }

/** HTB class rates in bit/s (tc has no JSON output for HTB classes). */
function classRate(h: LabHost, dev: string, handle: string): number | undefined {
  const text = inNs(h.ns, "tc", ["class", "show", "dev", dev]);
  const m = new RegExp(`class htb ${handle} .*?rate (\\d+)([KMG]?)bit`).exec(text);
  return m ? Number(m[1]) * ({ "": 1, K: 1e3, M: 1e6, G: 1e9 }[m[2]!] ?? NaN) : undefined;
}

/** Bring the lab up and apply what boot would: networkd, sysctl.d, the shaping units. */
async function applyAll(lab: Lab): Promise<void> {
  startAll(lab);
  for (const h of lab.hosts.values()) {
    for (const unit of units(h, "netgen-shape-")) {
      // systemd would wait for the devices the unit is bound to; so does the test.
      const text = readFileSync(join(h.root, "etc/systemd/system", unit), "utf8");
      const devices = [...text.matchAll(/sys-subsystem-net-devices-(\S+?)\.device/g)].map((m) => m[1]!.replace(/\\x2d/g, "-"));
      for (const dev of new Set(devices)) await waitFor(`${h.name}: ${dev}`, () => json<unknown[]>(h.ns, "ip", ["-j", "link", "show", dev]).length > 0);
      runUnit(h, unit);
    }
    inNs(h.ns, SYSCTL, [join(h.root, "etc/sysctl.d/60-netgen.conf")]);
  }
}

function addresses(h: LabHost): Map<string, string[]> {
  const list = json<Addr[]>(h.ns, "ip", ["-j", "-4", "addr", "show"]);
  return new Map(list.map((a) => [a.ifname, a.addr_info.map((i) => `${i.local}/${i.prefixlen}`)]));
}

function assertShaped(h: LabHost, dev: string, egress: number | undefined, ingress: number): void {
  const qdiscs = json<Qdisc[]>(h.ns, "tc", ["-j", "qdisc", "show", "dev", dev]);
  if (egress !== undefined) {
    assert.ok(qdiscs.some((q) => q.kind === "htb" && q.handle === "1:" && q.root), `${dev}: HTB root`);
    assert.is(classRate(h, dev, "1:1"), egress, `${dev}: egress rate`);
  }
  assert.ok(qdiscs.some((q) => q.kind === "ingress"), `${dev}: ingress qdisc`);
  const filters = inNs(h.ns, "tc", ["filter", "show", "dev", dev, "parent", "ffff:"]);
  assert.match(filters, new RegExp(`mirred \\(Egress Redirect to device ifb-${dev}\\)`), `${dev}: redirect to its ifb`);
  assert.is(classRate(h, `ifb-${dev}`, "1:1"), ingress, `ifb-${dev}: ingress rate`);
}

if (ready) {
  test("ecmp (inventories/ecmp.yaml): addresses, multipath route, hash policy, shaping", async () => {
    const lab = buildLab("inventories/ecmp.yaml");
    try {
      await applyAll(lab);
      const a = lab.hosts.get("devicea")!;
      const b = lab.hosts.get("deviceb")!;
      const route = await waitFor("devicea's multipath route", () => json<Route[]>(a.ns, "ip", ["-j", "route", "show", "10.100.100.100/32"])[0]?.nexthops);
      assert.equal(route.map((n) => [n.gateway, n.dev, n.weight]), [["10.0.0.2", "veth0", 1], ["10.1.0.2", "veth2", 1]]);
      const back = await waitFor("deviceb's multipath route", () => json<Route[]>(b.ns, "ip", ["-j", "route", "show", "10.10.10.10/32"])[0]?.nexthops);
      assert.equal(back.map((n) => [n.gateway, n.dev]), [["10.0.0.1", "veth1"], ["10.1.0.1", "veth3"]]);
      assert.equal(addresses(a).get("veth0"), ["10.0.0.1/30"]);
      assert.equal(addresses(a).get("veth2"), ["10.1.0.1/30"]);
      assert.equal(addresses(b).get("veth3"), ["10.1.0.2/30"]);
      assert.is(inNs(a.ns, "cat", ["/proc/sys/net/ipv4/fib_multipath_hash_policy"]).trim(), "1");
      // With the layer-4 hash, different flows to the same address take different paths.
      const devs = new Set<string>();
      for (let port = 40000; port < 40032; port++) {
        const r = json<{ dev: string }[]>(a.ns, "ip", ["-j", "route", "get", "10.100.100.100", "ipproto", "tcp", "sport", String(port), "dport", "5201"]);
        devs.add(r[0]!.dev);
      }
      assert.equal([...devs].sort(), ["veth0", "veth2"], "32 flows use both paths");
      for (const [h, dev] of [[a, "veth0"], [a, "veth2"], [b, "veth1"], [b, "veth3"]] as const) assertShaped(h, dev, 5_000_000, 5_000_000);
      // The paths carry traffic through the shaping.
      inNs(a.ns, "ping", ["-c", "2", "-i", "0.2", "-W", "2", "10.0.0.2"]);
      inNs(a.ns, "ping", ["-c", "2", "-i", "0.2", "-W", "2", "10.1.0.2"]);
    } finally {
      await lab.teardown();
    }
  });

  test("ecmp weights and a multipath default route (golden ecmp-weights)", async () => {
    const lab = buildLab("test/golden/ecmp-weights/inventory.yaml");
    try {
      await applyAll(lab);
      const a = lab.hosts.get("devicea")!;
      const route = await waitFor("devicea's default route", () => json<Route[]>(a.ns, "ip", ["-j", "route", "show", "default"])[0]?.nexthops);
      assert.equal(route.map((n) => [n.gateway, n.dev, n.weight]), [["10.0.0.2", "veth0", 3], ["10.1.0.2", "veth2", 1]]);
      const b = lab.hosts.get("deviceb")!;
      await waitFor("deviceb's route to 192.168.50.0/24", () => json<Route[]>(b.ns, "ip", ["-j", "route", "show", "192.168.50.0/24"])[0]?.nexthops);
      assert.is(inNs(a.ns, "cat", ["/proc/sys/net/ipv4/conf/veth2/ignore_routes_with_linkdown"]).trim(), "1");
    } finally {
      await lab.teardown();
    }
  });

  test("fo-gw (inventories/prod.yaml): uplink addresses, both uplinks shaped both ways below the line", async () => {
    // This kernel has no gretap/bonding: the tunnel-bound uplinks get their
    // addresses, then networkd gives up on the tunnels (the lab tier covers those).
    const lab = buildLab("inventories/prod.yaml", ["fo-gw", "fo-exit"]);
    try {
      await applyAll(lab);
      const gw = lab.hosts.get("fo-gw")!;
      await waitFor("fo-gw's uplink addresses", () => addresses(gw).get("intra16")?.length);
      assert.equal(addresses(gw).get("intra15"), ["10.88.15.100/24"]);
      assert.equal(addresses(gw).get("intra16"), ["10.88.16.100/24"]);
      for (const uplink of ["intra15", "intra16"]) assertShaped(gw, uplink, 4_500_000, 4_500_000);
      assert.is(inNs(gw.ns, "cat", ["/proc/sys/net/ipv4/conf/intra15/rp_filter"]).trim(), "2");
    } finally {
      await lab.teardown();
    }
  });
} else {
  test("kernel state tier skipped", () => {});
}

test.run();
