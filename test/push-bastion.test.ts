// netgen push to a systemd-nspawn host (real systemd, sshd and networkd) that
// this machine can reach only through another one, a bastion (issue 12): the
// target's management link is down on this side, and the bastion reaches it
// over a link of their own. The inventory says `jump:`; the push uploads,
// activates and confirms over a NEW connection through the bastion, and
// status and diff read the target the same way. Direct (`jump: none`): exit 4.
// Needs root, systemd-nspawn and sshd: run under /tmp/netgen-heavy.lock.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ip, link } from "../src/lab/namespaces.js";
import { Project } from "./support/push-project.js";
import { startFleet, type TestFleet } from "./support/test-hosts.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("push through a bastion (nspawn hosts)", [isRoot, command("systemd-nspawn"), file("/usr/sbin/sshd"), command("ssh-keygen")]);

if (ready) {
  let fleet: TestFleet;
  let project: Project;
  const inventory = (jump: string) => `netgen: 1
defaults: { systemd: 252, ssh: { user: root, jump: "root@${fleet.hosts[0]!.address}" } }
hosts:
  target:
    ssh: { host: 10.77.0.2, identity: "${fleet.keyFile}", host_key: "${fleet.hostKey}"${jump ? `, jump: ${jump}` : ""} }
    uplinks:
      inner0: { address: 10.77.0.2/30 }
      up0: { address: 10.90.0.1/30, shape: { egress: 4mbit } }
`;

  test.before(async () => {
    fleet = await startFleet(2);
    const [bastion, target] = fleet.hosts as [typeof fleet.hosts[0], typeof fleet.hosts[0]];
    // Their own link: the bastion at 10.77.0.1, the target at 10.77.0.2 (the target's networkd keeps it: inner0 is in the inventory).
    link(bastion.ns, "inner0", target.ns, "inner0");
    ip("-n", bastion.ns, "addr", "add", "10.77.0.1/30", "dev", "inner0");
    ip("-n", target.ns, "addr", "add", "10.77.0.2/30", "dev", "inner0");
    link(target.ns, "up0", bastion.ns, "up0t");
    // This machine loses its way to the target: only the bastion reaches it now.
    ip("link", "set", target.hostLink, "down");
    const dir = mkdtempSync(join(tmpdir(), "netgen-bastion-"));
    // The bastion's key is known (every test host has the same one): nothing learnt silently.
    writeFileSync(join(dir, "known_hosts"), `${bastion.address} ${fleet.hostKey}\n`);
    project = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts"), NETGEN_SSH_CONFIG: "/dev/null" });
  });
  test.after(async () => {
    await fleet?.teardown();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  test("the target is not reachable directly: jump: none exits 4", () => {
    project.write(inventory("none"));
    project.render();
    const r = project.run(["status"]);
    assert.is(r.code, 4, r.stdout + r.stderr);
  });

  test("push through the bastion: uploaded, activated, confirmed over a new connection through it", () => {
    project.write(inventory(""));
    project.render();
    const r = project.run(["push", "--yes", "--confirm-timeout", "120"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /target : ok=1 changed=[1-9]\d* unreachable=0 failed=0/);
    const s = project.run(["status"]);
    assert.is(s.code, 0, s.stdout + s.stderr);
    assert.match(s.stdout, /^target: release \S+ \(as rendered\)/m);
    const d = project.run(["diff"]);
    assert.is(d.code, 0, d.stdout + d.stderr);
  });

  test("the release is on the target, with its shaping unit active", () => {
    const units = project.run(["status", "--json"]);
    assert.is(units.code, 0, units.stdout + units.stderr);
    const status = JSON.parse(units.stdout) as { hosts: { host: string; units?: { name: string; state: string }[] }[] };
    const target = status.hosts.find((h) => h.host === "target")!;
    assert.ok(target.units?.some((u) => u.name === "netgen-shape-up0.service" && /active/.test(u.state)), JSON.stringify(target.units));
  });
} else {
  test("push through a bastion tier skipped", () => {});
}

test.run();
