// A wireguard bundle pushed to two real hosts (systemd-nspawn, inside the lab
// VM: this machine's kernel has no WireGuard): `netgen keys` makes each host's
// key pair on the host, render and push bring the bundle up, traffic crosses
// it, a key rotation pushed to both ends keeps it up, and the bond fails over
// when a path's WireGuard packets stop (and settles when they flow again).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runInVm } from "../src/lab/vm.js";
import { QUIET_PROBE_MS, SPEED_ENV, vmSlowdown } from "../src/lab/vm-speed.js";
import { link } from "../src/lab/namespaces.js";
import { netgenTimed } from "./support/timed-cli.js";
import { waitFor } from "./support/networkd.js";
import { inventoryFor, Project } from "./support/push-project.js";
import { startFleet, type TestFleet } from "./support/test-hosts.js";
import { command, file, isRoot, labVm, tierAvailable } from "./support/tier.js";

const kernelHasWireguard = () => {
  for (const m of ["wireguard", "ip_gre", "bonding"]) {
    try {
      execFileSync("modprobe", [m, ...(m === "bonding" ? ["max_bonds=0"] : [])], { stdio: "ignore" });
    } catch {
      /* built in, or absent: the test below tells */
    }
  }
  try {
    execFileSync("sh", ["-c", "ip link add netgen-wgprobe type wireguard && ip link del netgen-wgprobe"], { stdio: "ignore" });
    return existsSync("/sys/class/net/bonding_masters");
  } catch {
    return false;
  }
};

const hostsReady = () => [isRoot, command("systemd-nspawn"), file("/usr/sbin/sshd"), command("ssh-keygen"), command("wg")];
const local = process.env.NETGEN_IN_VM === "1" || kernelHasWireguard();
const ready = local
  ? tierAvailable("push of a wireguard bundle", [...hostsReady(), { what: "wireguard, gretap and bonding in this kernel", ok: kernelHasWireguard }])
  : tierAvailable("push of a wireguard bundle (in the lab VM)", [...hostsReady(), ...labVm]);

// h0 reaches h1 over two paths; h1 listens (it can be reached, h0 has the default route).
const BUNDLE = `bundles:
  wg:
    strategy: failover
    transport: wireguard
    link_subnet: 10.99.0.0/29
    ends:
      h0: { address: 10.42.0.1/24, default_route: true }
      h1: { address: 10.42.0.2/24 }
    paths:
      - { name: a, h0: up0, h1: up0, primary: true }
      - { name: b, h0: up1, h1: up1 }
`;

if (ready && local) {
  let fleet: TestFleet;
  let project: Project;
  const slow = vmSlowdown();
  process.stdout.write(`\nVM slowdown x${slow} (speed probe ${process.env[SPEED_ENV] ?? "not run"} ms, a quiet VM ${QUIET_PROBE_MS} ms)\n`);
  const scaled = (ms: number) => Math.round(ms * slow);
  const confirmTimeout = String(Math.round(120 * slow));
  const push = async () => {
    const r = await netgenTimed(["push", "--yes", "--confirm-timeout", confirmTimeout], project.dir, project.env, scaled(180000));
    process.stdout.write(`\npush: exit ${r.code} after ${r.seconds.toFixed(1)} s\n${r.stderr}`);
    return r;
  };
  const inNs = (host: number, ...argv: string[]) => execFileSync("ip", ["netns", "exec", fleet.hosts[host]!.ns, ...argv], { encoding: "utf8" }).trim();
  const hostsSay = () =>
    fleet.hosts
      .map((h) => {
        try {
          return `--- ${h.name}:\n${fleet.ssh(h, "cat /var/lib/netgen/activation.log 2>&1; networkctl list --no-legend 2>&1; wg show all 2>&1 | grep -v 'private key'; cat /proc/net/bonding/wg 2>&1 | head -12; ip rule; ip route show table all | grep -v '^local' | head -30; journalctl -u systemd-networkd -n 30 --no-pager 2>&1")}`;
        } catch (error) {
          return `--- ${h.name}: unreachable: ${(error as Error).message}`;
        }
      })
      .join("\n");
  const ok = (r: { code: number; stdout: string; stderr: string }, what: string) => assert.is(r.code, 0, `${what}: ${r.stdout}${r.stderr}${r.code === 0 ? "" : hostsSay()}`);
  /** The agent's own view: its state folder, the activation's log and units (why a push was not confirmed). */
  const agentSays = () =>
    fleet.hosts
      .map((h) => {
        try {
          return `--- ${h.name} (agent):\n${fleet.ssh(h, "date; ls -la /var/lib/netgen; cat /var/lib/netgen/pending /var/lib/netgen/armed /var/lib/netgen/activation.rc /var/lib/netgen/activation.log 2>&1; systemctl list-units --all --no-legend 'netgen*' 2>&1; journalctl --no-pager -n 40 -u 'netgen-activate-*' -u 'netgen-expire-*' 2>&1")}`;
        } catch (error) {
          return `--- ${h.name}: unreachable: ${(error as Error).message}`;
        }
      })
      .join("\n");
  const keysFile = () => readFileSync(join(project.dir, "inventories/lab.keys.yaml"), "utf8");
  /** Pings across the bundle, from h0's bond to h1's bridge. */
  const crosses = () => {
    try {
      inNs(0, "ping", "-c", "3", "-W", String(Math.ceil(2 * slow)), "10.42.0.2");
      return true;
    } catch {
      return false;
    }
  };

  test.before(async () => {
    fleet = await startFleet(2);
    link(fleet.hosts[0]!.ns, "up0", fleet.hosts[1]!.ns, "up0");
    link(fleet.hosts[0]!.ns, "up1", fleet.hosts[1]!.ns, "up1");
    const dir = mkdtempSync(join(tmpdir(), "netgen-wg-"));
    project = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts") });
    project.write(inventoryFor(fleet, [{ uplinks: { up0: "{ address: 10.90.0.1/30 }", up1: "{ address: 10.91.0.1/30 }" } }, { uplinks: { up0: "{ address: 10.90.0.2/30 }", up1: "{ address: 10.91.0.2/30 }" } }], BUNDLE));
  });
  test.after(async () => {
    await fleet?.teardown();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  test("render without keys says to run netgen keys", () => {
    const r = project.run(["render", "inventories/lab.yaml"]);
    assert.is(r.code, 1);
    assert.match(r.stderr, /h0 has no WireGuard public key in .*lab\.keys\.yaml/);
    assert.match(r.stderr, /run netgen keys inventories\/lab\.yaml/);
  });

  test("keys made on the hosts, render, push: the bundle is up over WireGuard and carries traffic", async () => {
    ok(project.run(["keys", "inventories/lab.yaml"]), "netgen keys");
    assert.match(keysFile(), /h0: "[A-Za-z0-9+/]{43}="/);
    project.render();
    ok(await push(), "first push");
    assert.is(inNs(0, "cat", "/sys/class/net/wg/bonding/active_slave"), "wg-a");
    assert.ok(crosses(), `no ping across the bundle\n${hostsSay()}`);
    // h1 listens on 51820 (path a) and 51821 (path b); h0 dials with a keepalive.
    const shown = fleet.ssh(fleet.hosts[0]!, "wg show all endpoints; wg show all persistent-keepalive");
    assert.match(shown, /10\.90\.0\.2:51820/);
    assert.match(shown, /10\.91\.0\.2:51821/);
    assert.match(shown, /\t25$/m);
  });

  test("a key rotation pushed to both ends keeps the bundle up", async () => {
    const keyOf = (host: string, text: string) => text.match(new RegExp(`^\\s*${host}: "([^"]+)"`, "m"))?.[1];
    const before = keysFile();
    ok(project.run(["keys", "inventories/lab.yaml", "--rotate", "h0"]), "netgen keys --rotate h0");
    const after = keysFile();
    const rotated = keyOf("h0", after)!;
    assert.ok(rotated && rotated !== keyOf("h0", before), `h0's public key changed in the keys file:\n${after}`);
    assert.is(keyOf("h1", after), keyOf("h1", before), "h1's key stays");
    project.render();
    ok(await push(), `rotation push\n${agentSays()}\n${hostsSay()}`);
    assert.ok(crosses(), `no ping across the bundle after the rotation\n${hostsSay()}`);
    // Both ends run the new key: h0 as its own, h1 as its peer's, on both links.
    const own = fleet.ssh(fleet.hosts[0]!, "wg show all public-key");
    const peers = fleet.ssh(fleet.hosts[1]!, "wg show all peers");
    assert.is(own.split("\n").filter((l) => l.endsWith(`\t${rotated}`)).length, 2, own);
    assert.is(peers.split("\n").filter((l) => l.endsWith(`\t${rotated}`)).length, 2, peers);
  });

  test("the bond fails over when a path's WireGuard packets stop, and traffic still crosses", async () => {
    // Drop the WireGuard packets of path a on h1's side: the carrier stays up.
    inNs(1, "nft", "add table inet cut; add chain inet cut in { type filter hook input priority 0; }; add rule inet cut in udp dport 51820 drop");
    try {
      let active = "";
      for (let i = 0; i < 40 && active !== "wg-b"; i++) {
        await new Promise((r) => setTimeout(r, scaled(250)));
        active = inNs(0, "cat", "/sys/class/net/wg/bonding/active_slave");
      }
      assert.is(active, "wg-b", hostsSay());
      // h1 moves too, once its own monitor misses path a's replies: until then it answers
      // over path a, which h0's bond no longer takes. Its timers run as late as the VM.
      const crossed = await waitFor("a ping across the bundle on path b", crosses, scaled(20000)).catch(() => false);
      assert.ok(crossed, `no ping across the bundle on path b\n${hostsSay()}`);
    } finally {
      inNs(1, "nft", "delete table inet cut");
    }
    // Settled once the path is back both ways: no carrier lost in 10 s (a flapping bond loses it several times a second).
    const flaps = () => Number(fleet.ssh(fleet.hosts[0]!, "journalctl -u systemd-networkd --no-pager | grep -c 'wg: Lost carrier' || true"));
    await new Promise((r) => setTimeout(r, scaled(5000)));
    const f0 = flaps();
    await new Promise((r) => setTimeout(r, scaled(10000)));
    const f1 = flaps();
    process.stdout.write(`\nafter the restore: ${f1 - f0} carrier losses in 10 s; active ${inNs(0, "cat", "/sys/class/net/wg/bonding/active_slave")}\n`);
    assert.is(f1 - f0, 0, `the bond flaps after the restore\n${hostsSay()}`);
  });

} else if (ready) {
  test("push of a wireguard bundle, run inside the lab VM", async () => {
    const project = fileURLToPath(new URL("../..", import.meta.url));
    const work = mkdtempSync(join(tmpdir(), "netgen-wg-vm-"));
    try {
      const script = `cd '${project}' && CI='${process.env.CI ?? ""}' NETGEN_IN_VM=1 node dist/test/push-wireguard.test.js`;
      const { console, slowdown } = await runInVm(work, script, 15 * 60 * 1000, "systemd");
      process.stdout.write(`\n--- inside the VM (slowdown x${slowdown}, its limit stretched by as much):\n${console}\n`);
      assert.match(console, /(^|\n)exit 0\n?$/, "the tests inside the VM passed");
      assert.match(console, /Passed:\s+4/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
} else {
  test("push of a wireguard bundle skipped", () => {});
}

test.run();
