// netgen push on a kernel with bonding: a changed bond parameter must really
// reach the kernel (networkd before 257 never updates an existing netdev, so the
// agent deletes the bond before reloading). The hosts are the push tier's
// systemd-nspawn containers; this machine's kernel has no bonding, so the file
// reruns itself inside the lab VM booted with systemd (see src/lab/vm.ts).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runInVm } from "../src/lab/vm.js";
import { link } from "./support/netns.js";
import { inventoryFor, Project } from "./support/push-project.js";
import { startFleet, type TestFleet } from "./support/test-hosts.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const kernelHasBonding = () => {
  try {
    execFileSync("modprobe", ["bonding", "max_bonds=0"], { stdio: "ignore" });
  } catch {
    /* built in, or absent: /sys tells */
  }
  return existsSync("/sys/class/net/bonding_masters");
};

const hostsReady = () => [isRoot, command("systemd-nspawn"), file("/usr/sbin/sshd"), command("ssh-keygen")];
const local = process.env.NETGEN_IN_VM === "1" || kernelHasBonding();
const ready = local
  ? tierAvailable("push on a kernel with bonding", [...hostsReady(), { what: "bonding in this kernel", ok: kernelHasBonding }])
  : tierAvailable("push on a kernel with bonding (in the lab VM)", [
      ...hostsReady(),
      command("qemu-system-x86_64"),
      command("cpio"),
      { what: "a distribution kernel in /boot", ok: () => existsSync("/boot") && readdirSync("/boot").some((f) => f.startsWith("vmlinuz-")) },
      { what: "busybox", ok: () => existsSync("/bin/busybox") },
    ]);

const bundle = (interval: string, primary: 0 | 1) => `bundles:
  fo:
    strategy: failover
    ends:
      h0: { address: 10.42.0.1/24, default_route: true }
      h1: { address: 10.42.0.2/24 }
    paths:
      - { h0: up0, h1: up0${primary === 0 ? ", primary: true" : ""} }
      - { h0: up1, h1: up1${primary === 1 ? ", primary: true" : ""} }
    monitor: { interval: ${interval} }
`;

if (ready && local) {
  let fleet: TestFleet;
  let project: Project;
  const inventory = (interval: string, primary: 0 | 1) =>
    inventoryFor(fleet, [{ uplinks: { up0: "{ address: 10.90.0.1/30 }", up1: "{ address: 10.91.0.1/30 }" } }, { uplinks: { up0: "{ address: 10.90.0.2/30 }", up1: "{ address: 10.91.0.2/30 }" } }], bundle(interval, primary));
  // Read in the host's own network namespace: `ip netns exec` mounts a /sys of
  // that namespace (a container's /sys shows the outer namespace's links).
  const sys = (path: string) => execFileSync("ip", ["netns", "exec", fleet.hosts[0]!.ns, "cat", `/sys/class/net/fo/${path}`], { encoding: "utf8" }).trim();
  const bonding = (key: string) => sys(`bonding/${key}`);
  const ifindex = () => sys("ifindex");

  test.before(async () => {
    fleet = await startFleet(2);
    link(fleet.hosts[0]!.ns, "up0", fleet.hosts[1]!.ns, "up0");
    link(fleet.hosts[0]!.ns, "up1", fleet.hosts[1]!.ns, "up1");
    const dir = mkdtempSync(join(tmpdir(), "netgen-bond-"));
    project = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts") });
  });
  test.after(async () => {
    await fleet?.teardown();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  test("first push: the bond is in the kernel with the inventory's parameters and an active path", () => {
    project.write(inventory("100ms", 0));
    project.render();
    const r = project.run(["push", "--yes", "--confirm-timeout", "60"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.is(bonding("mode"), "active-backup 1");
    assert.is(bonding("arp_interval"), "100");
    assert.is(bonding("primary"), "fo-t1");
    assert.is(bonding("active_slave"), "fo-t1", "the health check confirmed a bond with an active path");
  });

  test("a changed monitor interval and primary path reach the kernel (the bond is recreated)", () => {
    const before = ifindex();
    project.write(inventory("250ms", 1));
    project.render();
    const r = project.run(["push", "--yes", "--confirm-timeout", "60"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.is(bonding("arp_interval"), "250");
    assert.is(bonding("primary"), "fo-t2");
    assert.is(bonding("active_slave"), "fo-t2");
    assert.is.not(ifindex(), before, "networkd 252 cannot change a live bond: the agent deleted it first");
    assert.match(fleet.ssh(fleet.hosts[0]!, "cat /var/lib/netgen/activation.log"), /^deleted fo$/m);
  });

  test("a push that changes nothing leaves the bond alone", () => {
    const before = ifindex();
    const r = project.run(["push", "--yes"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /h0 : ok=1 changed=0 unreachable=0 failed=0/);
    assert.is(ifindex(), before);
  });
} else if (ready) {
  test("push on a kernel with bonding, run inside the lab VM", async () => {
    const project = fileURLToPath(new URL("../..", import.meta.url));
    const work = mkdtempSync(join(tmpdir(), "netgen-bond-vm-"));
    try {
      const script = `cd '${project}' && CI='${process.env.CI ?? ""}' NETGEN_IN_VM=1 node dist/test/push-bond.test.js`;
      const { console } = await runInVm(work, script, 15 * 60 * 1000, "systemd");
      process.stdout.write(`\n--- inside the VM:\n${console}\n`);
      assert.match(console, /(^|\n)exit 0\n?$/, "the tests inside the VM passed");
      assert.match(console, /Passed:\s+3/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
} else {
  test("push on a kernel with bonding skipped", () => {});
}

test.run();
