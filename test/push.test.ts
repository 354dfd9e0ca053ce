// netgen push/diff/status/rollback against real hosts: systemd-nspawn
// containers with systemd as PID 1, OpenSSH and systemd-networkd.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { link } from "./support/netns.js";
import { inventoryFor, Project } from "./support/push-project.js";
import { startFleet, type TestFleet } from "./support/test-hosts.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("push against real hosts", [isRoot, command("systemd-nspawn"), file("/usr/sbin/sshd"), command("ssh-keygen")]);

let fleet: TestFleet;
let project: Project;

const SHAPED = "{ address: 10.90.0.1/30, shape: { egress: 8mbit, ingress: 9mbit } }";
const ECMP = `bundles:
  e01:
    strategy: ecmp
    ends:
      h0: { routes: [10.200.1.0/24] }
      h1: { routes: [10.200.0.0/24] }
    paths:
      - { h0: up0, h1: up0 }
      - { h0: up1, h1: up1 }
`;
const base = (up0 = SHAPED, bundles = ECMP) =>
  inventoryFor(fleet, [{ uplinks: { up0, up1: "{ address: 10.91.0.1/30 }" } }, { uplinks: { up0: "{ address: 10.90.0.2/30 }", up1: "{ address: 10.91.0.2/30 }" } }], bundles);

/**
 * A container has no udev: device units never appear and cannot start a
 * device-bound unit (and systemd cannot drop dependencies in a drop-in). Run a
 * copy of the pushed unit without its device lines: its own commands, under
 * the real systemd.
 */
function startWithoutDevices(host: TestFleet["hosts"][number], unit: string): void {
  const copy = unit.replace(".service", "-nodev.service");
  fleet.ssh(host, `sed '/^BindsTo=/d;/^After=/d' /etc/systemd/system/${unit} > /run/systemd/system/${copy} && systemctl daemon-reload && systemctl restart ${copy}`);
}

if (ready) {
  test.before(async () => {
    fleet = await startFleet(2);
    link(fleet.hosts[0]!.ns, "up0", fleet.hosts[1]!.ns, "up0");
    link(fleet.hosts[0]!.ns, "up1", fleet.hosts[1]!.ns, "up1");
    const dir = mkdtempSync(join(tmpdir(), "netgen-push-"));
    project = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts") });
  });
  test.after(async () => {
    await fleet?.teardown();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  test("first push: files land, networkd and tc apply them, the recap counts the change", () => {
    project.write(base());
    project.render();
    const r = project.run(["push", "--yes", "--confirm-timeout", "30"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /h0 : ok=1 changed=\d+ unreachable=0 failed=0/);
    const [h0] = fleet.hosts;
    const route = fleet.ssh(h0!, "ip -j route show 10.200.1.0/24");
    assert.match(route, /"gateway":"10.90.0.2","dev":"up0"/);
    assert.match(fleet.ssh(h0!, "systemctl is-enabled netgen-shape-up0.service"), /enabled/);
    startWithoutDevices(h0!, "netgen-shape-up0.service");
    assert.match(fleet.ssh(h0!, "tc qdisc show dev up0"), /htb 1: root/);
    assert.match(fleet.ssh(h0!, "tc class show dev ifb-up0"), /rate 9Mbit/);
    assert.match(fleet.ssh(h0!, "cat /var/lib/netgen/agent/../current/manifest"), /etc\/systemd\/network\/10-netgen-up0.network/);
  });
} else {
  test("push tier skipped", () => {});
}

test.run();
