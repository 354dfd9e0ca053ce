// netgen push on a kernel with bonding: a changed bond parameter must really
// reach the kernel (networkd before 257 never updates an existing netdev, so the
// agent deletes the bond before reloading). The hosts are the push tier's
// systemd-nspawn containers; this machine's kernel has no bonding, so the file
// reruns itself inside the lab VM booted with systemd (see src/lab/vm.ts).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runInVm } from "../src/lab/vm.js";
import { QUIET_PROBE_MS, SPEED_ENV, vmSlowdown } from "../src/lab/vm-speed.js";
import { netgenTimed } from "./support/timed-cli.js";
import { NAT_MODULES } from "../src/lab/internet.js";
import { dropCount } from "../src/lab/exit-policy.js";
import { answersPing, inNs, ip, link, newNamespace, removeNamespace, run } from "../src/lab/namespaces.js";
import { parseAnswer, recordsOf } from "../src/push/protocol.js";
import { waitFor } from "./support/networkd.js";
import { inventoryFor, Project } from "./support/push-project.js";
import { startFleet, type TestFleet } from "./support/test-hosts.js";
import { command, file, isRoot, labVm, tierAvailable } from "./support/tier.js";

/** The steps an activation took, from its records on the host. */
const actions = (log: string) => recordsOf(parseAnswer("host", "activate", log), "action").map((a) => a.text);

const kernelHasBonding = () => {
  try {
    execFileSync("modprobe", ["bonding", "max_bonds=0"], { stdio: "ignore" });
  } catch {
    /* built in, or absent: /sys tells */
  }
  return existsSync("/sys/class/net/bonding_masters");
};

/** nftables' NAT for the exit's masquerade: the lab VM's kernel does not load modules on demand. */
const loadNat = () => {
  for (const m of NAT_MODULES) {
    try {
      run("modprobe", [m]);
    } catch {
      /* built in */
    }
  }
};

const hostsReady = () => [isRoot, command("systemd-nspawn"), file("/usr/sbin/sshd"), command("ssh-keygen")];
const local = process.env.NETGEN_IN_VM === "1" || kernelHasBonding();
const ready = local
  ? tierAvailable("push on a kernel with bonding", [...hostsReady(), { what: "bonding in this kernel", ok: kernelHasBonding }])
  : tierAvailable("push on a kernel with bonding (in the lab VM)", [
      ...hostsReady(),
      ...labVm,
    ]);

const bundle = (interval: string, primary: 0 | 1) => `bundles:
  fo:
    strategy: failover
    ends:
      h0: { address: 10.42.0.1/24, default_route: true }
      h1: { address: 10.42.0.2/24 }
    paths:
      - { name: t1, h0: up0, h1: up0${primary === 0 ? ", primary: true" : ""} }
      - { name: t2, h0: up1, h1: up1${primary === 1 ? ", primary: true" : ""} }
    monitor: { interval: ${interval} }
`;

if (ready && local) {
  let fleet: TestFleet;
  let project: Project;
  let stranger: string | undefined;
  // Every wait below is what a quiet VM needs, times how much slower this one
  // measured at boot (src/lab/vm-speed.ts); 1 on a real kernel outside the VM.
  const slow = vmSlowdown();
  process.stdout.write(`\nVM slowdown x${slow} (speed probe ${process.env[SPEED_ENV] ?? "not run"} ms, a quiet VM ${QUIET_PROBE_MS} ms)\n`);
  const scaled = (ms: number) => Math.round(ms * slow);
  // A new bundle's confirmation (both ends up, the ARP monitor's first verdict,
  // the health check over SSH) took 180 s in a VM measured x3.4: 53 s on a quiet
  // one, too close to the default 60 s; 120 s leaves room for the noise.
  const confirmTimeout = String(Math.round(120 * slow));
  /** A push as a user runs it, given time to wait out the whole confirmation window; its phases are printed with their times. */
  const push = async (p: Project) => {
    const r = await netgenTimed(["push", "--yes", "--confirm-timeout", confirmTimeout], p.dir, p.env, scaled(180000));
    process.stdout.write(`\npush --confirm-timeout ${confirmTimeout}: exit ${r.code} after ${r.seconds.toFixed(1)} s\n${r.stderr}`);
    return r;
  };

  const inventory = (interval: string, primary: 0 | 1) =>
    inventoryFor(
      fleet,
      [
        { uplinks: { up0: "{ address: 10.90.0.1/30 }", up1: "{ address: 10.91.0.1/30 }" } },
        // h1 is the exit: the bundle leaves out0 masqueraded, and nothing on out0's segment may come in.
        { uplinks: { up0: "{ address: 10.90.0.2/30 }", up1: "{ address: 10.91.0.2/30 }", out0: "{ address: 203.0.113.20/24, masquerade: true }" } },
      ],
      bundle(interval, primary),
    );
  // Read in the host's own network namespace: `ip netns exec` mounts a /sys of
  // that namespace (a container's /sys shows the outer namespace's links).
  const sys = (path: string) => execFileSync("ip", ["netns", "exec", fleet.hosts[0]!.ns, "cat", `/sys/class/net/fo/${path}`], { encoding: "utf8" }).trim();
  const bonding = (key: string) => sys(`bonding/${key}`);
  /** When the activation and the rollback ran, and how long one health check takes now. */
  const timings = [
    "journalctl -u 'netgen-activate-*' -u netgen-expire.service -o short-precise --no-pager 2>&1 | tail -8",
    "stat -c '%y %n' /var/lib/netgen/activation.* 2>&1",
    `for r in /var/lib/netgen/releases/*/; do s=$(date +%s%N); /var/lib/netgen/agent/netgen-host health $(basename $r) >/dev/null 2>&1; echo "health took $(( ($(date +%s%N) - s) / 1000000 )) ms"; done`,
  ].join("; ");
  /** What the hosts say, for a failed push's message (the VM's console is all CI keeps). */
  const hostsSay = () =>
    fleet.hosts
      .map((h) => {
        try {
          return `--- ${h.name}:\n${fleet.ssh(h, "cat /var/lib/netgen/activation.log 2>&1; journalctl -t netgen -n 15 -o short-precise --no-pager 2>&1; networkctl list --no-legend 2>&1; cat /proc/net/bonding/fo 2>&1 | head -12; journalctl -u ssh -n 30 -o short-precise --no-pager 2>&1; systemctl list-timers --all --no-pager 2>&1 | grep netgen; " + timings + ";  uptime")}`;
        } catch (error) {
          // What its network namespace shows from outside: links, addresses, routes.
          const outside = ["-br link", "-br addr", "route"].map((what) => {
            try {
              return execFileSync("sh", ["-c", `ip -n ${h.ns} ${what} 2>&1`], { encoding: "utf8" });
            } catch (e) {
              return (e as Error).message;
            }
          });
          return `--- ${h.name}: unreachable: ${(error as Error).message}\n${outside.join("")}`;
        }
      })
      .join("\n");
  const pushed = (r: { code: number; stdout: string; stderr: string }) => assert.is(r.code, 0, `${r.stdout}${r.stderr}${r.code === 0 ? "" : hostsSay()}`);
  const ifindex = () => sys("ifindex");

  test.before(async () => {
    fleet = await startFleet(2);
    link(fleet.hosts[0]!.ns, "up0", fleet.hosts[1]!.ns, "up0");
    link(fleet.hosts[0]!.ns, "up1", fleet.hosts[1]!.ns, "up1");
    // A stranger on the exit's masquerading uplink: 203.0.113.1, with no route back to the bundle.
    loadNat();
    stranger = newNamespace("stranger");
    link(fleet.hosts[1]!.ns, "out0", stranger, "eth0");
    ip("-n", stranger, "addr", "add", "203.0.113.1/24", "dev", "eth0");
    const dir = mkdtempSync(join(tmpdir(), "netgen-bond-"));
    project = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts") });
  });
  test.after(async () => {
    if (stranger) removeNamespace(stranger);
    await fleet?.teardown();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  test("first push: the bond is in the kernel with the inventory's parameters and an active path", async () => {
    project.write(inventory("100ms", 0));
    project.render();
    pushed(await push(project));
    assert.is(bonding("mode"), "active-backup 1");
    assert.is(bonding("arp_interval"), "100");
    assert.is(bonding("primary"), "fo-t1");
    assert.is(bonding("active_slave"), "fo-t1", "the health check confirmed a bond with an active path");
  });

  test("a changed monitor interval and primary path reach the kernel (the bond is recreated)", async () => {
    const before = ifindex();
    project.write(inventory("250ms", 1));
    project.render();
    pushed(await push(project));
    assert.is(bonding("arp_interval"), "250");
    assert.is(bonding("primary"), "fo-t2");
    assert.is(bonding("active_slave"), "fo-t2");
    assert.is.not(ifindex(), before, "networkd 252 cannot change a live bond: the agent deleted it first");
    assert.ok(actions(fleet.ssh(fleet.hosts[0]!, "cat /var/lib/netgen/activation.log")).includes("deleted fo"));
  });

  test("a push that changes nothing leaves the bond alone", async () => {
    const before = ifindex();
    const r = await push(project);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /h0 : ok=1 changed=0 unreachable=0 failed=0/);
    assert.is(ifindex(), before);
  });
  test("the exit forwards the bundle out of its masquerading uplink, and nothing from that segment into the bundle", async () => {
    const pings = (ns: string, target: string) => answersPing(ns, target, { waitSeconds: Math.ceil(2 * slow) });
    const exit = fleet.hosts[1]!;
    const dropped = () => dropCount(fleet.ssh(exit, "nft list chain inet netgen forward"));
    // Out: h0's default route is the bundle; the stranger has no route to 10.42.0.0/24, so only a masqueraded ping gets its reply.
    await waitFor("h0 to reach the stranger through the bundle and the exit's masquerade", () => pings(fleet.hosts[0]!.ns, "203.0.113.1") || undefined, scaled(20000));
    // In: the stranger routes the bundle's network through the exit; the pushed forward policy drops it, and counts it.
    ip("-n", stranger!, "route", "add", "10.42.0.0/24", "via", "203.0.113.20");
    const before = dropped();
    assert.not.ok(pings(stranger!, "10.42.0.1"), "the stranger on out0's segment reached the bundle network");
    assert.ok(dropped() > before, `the forward chain counted no drop (${before} -> ${dropped()})`);
    // Control: without the forward chain the same ping arrives (the test sees a reach when there is one).
    fleet.ssh(exit, "nft flush chain inet netgen forward && nft delete chain inet netgen forward");
    try {
      assert.ok(pings(stranger!, "10.42.0.1"), "control: without the forward chain the stranger's ping should arrive");
    } finally {
      fleet.ssh(exit, "systemctl restart netgen-firewall.service");
    }
    assert.not.ok(pings(stranger!, "10.42.0.1"), "netgen-firewall.service restarted: the policy is back");
  });

  // Only inside the lab VM: the VM itself becomes the pushed host (its root is a
  // throwaway overlay), with systemd, udev and networkd of its own. Containers
  // have no udev, so only here does a device event start a device-bound unit.
  if (process.env.NETGEN_IN_VM === "1") {
    test("the VM as a host: a tc unit for an absent device waits for it, and udev starts it when it appears", async () => {
      const sh = (command: string) => execFileSync("sh", ["-c", command], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      mkdirSync("/root/.ssh", { recursive: true, mode: 0o700 });
      writeFileSync("/root/.ssh/authorized_keys", readFileSync(`${fleet.keyFile}.pub`), { mode: 0o600 });
      sh("systemctl start ssh systemd-networkd && ip netns add vm-isp");
      const dir = mkdtempSync(join(tmpdir(), "netgen-vmhost-"));
      const vm = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts") });
      const plugIn = () => sh("ip link add up9 type veth peer name up9p netns vm-isp");
      const shaped = () => /htb 1: root/.test(sh("tc qdisc show dev up9 2>/dev/null || true")) || undefined;
      let brokenTc = false;
      try {
        vm.write(`netgen: 1\ndefaults: { systemd: 252, ssh: { user: root } }\nhosts:\n  vm:\n    ssh: { host: 127.0.0.1, identity: "${fleet.keyFile}", host_key: "${fleet.hostKey}" }\n    uplinks:\n      up9: { address: 10.99.0.1/30, shape: { egress: 3mbit } }\n`);
        vm.render();
        // The uplink is unplugged (an LTE modem not there yet): the push must not
        // wait for it (a restart would, 90 s, past a 60 s confirmation on a quiet VM).
        const r = await push(vm);
        assert.is(r.code, 0, r.stdout + r.stderr);
        assert.ok(actions(sh("cat /var/lib/netgen/activation.log")).includes("waiting for up9: netgen-shape-up9.service starts when it appears"));
        // It is plugged in: nobody runs anything, udev and systemd start the unit.
        plugIn();
        // The unit's commands run one after the other: wait for the last one's effect and for "active".
        const started = () => (/rate 3Mbit/.test(sh("tc class show dev up9 2>/dev/null || true")) && /^active/.test(sh("systemctl is-active netgen-shape-up9.service || true"))) || undefined;
        await waitFor("udev to start the shaping unit", shaped, scaled(30000));
        await waitFor("the shaping unit to finish starting", started, scaled(30000));
        // The device goes: systemd stops the unit bound to it; it comes back: started again.
        sh("ip link del up9");
        await waitFor("the shaping unit to stop with its device", () => /^inactive/.test(sh("systemctl is-active netgen-shape-up9.service || true")) || undefined, scaled(30000));
        plugIn();
        await waitFor("udev to start the shaping unit again", shaped, scaled(30000));
        await waitFor("the shaping unit to finish starting again", started, scaled(30000));

        // A changed unit whose own command fails (here every tc fails, as one the kernel
        // refused would): the activation fails and the host goes back to its release.
        const before = sh("readlink /var/lib/netgen/current");
        vm.write(readFileSync(join(dir, "inventories/lab.yaml"), "utf8").replace("egress: 3mbit", "egress: 4mbit"));
        vm.render();
        sh("mount --bind /bin/false /sbin/tc");
        brokenTc = true;
        const refused = await push(vm);
        assert.is(refused.code, 2, refused.stdout + refused.stderr);
        assert.match(refused.stderr, /netgen-shape-up9\.service failed to start \(exit-code, loaded; journalctl -u netgen-shape-up9\.service on the host says why\)/);
        assert.match(refused.stderr, /rolled back to the previous release/);
        assert.not.match(refused.stderr, /Running timer as unit|Will run service as unit/, "systemd-run's own chatter is not part of the report");
        assert.is(sh("readlink /var/lib/netgen/current"), before, "back on the release from before the push");
        assert.match(sh("cat /etc/systemd/system/netgen-shape-up9.service"), /rate 3mbit/, "the previous release's unit is in place");
        sh("umount /sbin/tc");
        brokenTc = false;
      } finally {
        if (brokenTc) sh("umount /sbin/tc || true");
        rmSync(dir, { recursive: true, force: true });
        sh("ip netns del vm-isp || true");
      }
    });
  }
} else if (ready) {
  test("push on a kernel with bonding, run inside the lab VM", async () => {
    const project = fileURLToPath(new URL("../..", import.meta.url));
    const work = mkdtempSync(join(tmpdir(), "netgen-bond-vm-"));
    try {
      const script = `cd '${project}' && CI='${process.env.CI ?? ""}' NETGEN_IN_VM=1 node dist/test/push-bond.test.js`;
      const { console, slowdown } = await runInVm(work, script, 15 * 60 * 1000, "systemd");
      process.stdout.write(`\n--- inside the VM (slowdown x${slowdown}, its limit stretched by as much):\n${console}\n`);
      assert.match(console, /(^|\n)exit 0\n?$/, "the tests inside the VM passed");
      assert.match(console, /Passed:\s+5/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
} else {
  test("push on a kernel with bonding skipped", () => {});
}

test.run();
