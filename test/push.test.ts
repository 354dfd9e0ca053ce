// netgen push/diff/status/rollback against real hosts: systemd-nspawn
// containers with systemd as PID 1, OpenSSH and systemd-networkd.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { CLI } from "./support/cli.js";
import { link } from "../src/lab/namespaces.js";
import { parseAnswer, recordOf, recordsOf } from "../src/push/protocol.js";
import { waitFor } from "./support/networkd.js";
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
function spawnNetgen(p: Project, args: string[]) {
  return spawn(process.execPath, [CLI, ...args], { cwd: p.dir, env: { ...process.env, ...p.env }, stdio: ["ignore", "pipe", "pipe"] });
}

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
  const state = (h: number) => parseAnswer(fleet.hosts[h]!.name, "state", fleet.ssh(fleet.hosts[h]!, "/var/lib/netgen/agent/netgen-host state"));
  const release = (h: number) => recordOf(state(h), "current")?.release;
  const pending = (h: number) => recordOf(state(h), "pending") !== undefined;
  /** Every file of the host's current release is exactly what its manifest says: no mix. */
  const consistent = (h: number) => recordsOf(state(h), "owned").every((o) => o.expected === o.actual);

  test("a second push that changes nothing reloads nothing", () => {
    const before = fleet.ssh(fleet.hosts[0]!, "stat -c %Y /var/lib/netgen/activation.log; cat /var/lib/netgen/activation.log");
    const r = project.run(["push", "--yes"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /h0 : ok=1 changed=0 unreachable=0 failed=0/);
    assert.match(r.stdout, /h1 : ok=1 changed=0 unreachable=0 failed=0/);
    assert.match(r.stderr, /h0 : unchanged/);
    assert.is(fleet.ssh(fleet.hosts[0]!, "stat -c %Y /var/lib/netgen/activation.log; cat /var/lib/netgen/activation.log"), before, "no activation ran");
  });

  test("diff shows what would change (exit 2) and status what runs", () => {
    project.write(base("{ address: 10.90.0.1/30, shape: { egress: 6mbit, ingress: 9mbit } }"));
    project.render();
    const d = project.run(["diff"]);
    assert.is(d.code, 2, d.stdout + d.stderr);
    assert.match(d.stdout, /--- before: \/etc\/systemd\/system\/netgen-shape-up0.service\n\+\+\+ after: \/etc\/systemd\/system\/netgen-shape-up0.service/);
    assert.match(d.stdout, /^-ExecStart=.*rate 8mbit ceil 8mbit$/m);
    assert.match(d.stdout, /^\+ExecStart=.*rate 6mbit ceil 6mbit$/m);
    assert.match(d.stdout, /h1: no change/);
    const s = project.run(["status", "--json"]);
    const report = JSON.parse(s.stdout) as { hosts: { host: string; release: string; inSync: boolean; links: { name: string }[] }[] };
    assert.is(report.hosts[0]!.inSync, false);
    assert.is(report.hosts[1]!.inSync, true);
    assert.ok(report.hosts[1]!.links.some((l) => l.name === "up1"));
    assert.is(s.code, 2);
    const p = project.run(["push", "--yes"]);
    assert.is(p.code, 0, p.stdout + p.stderr);
    assert.is(project.run(["diff"]).code, 0);
  });

  test("drift (a managed file edited on the host) is refused, --force overwrites it", () => {
    fleet.ssh(fleet.hosts[1]!, "echo '# edited by hand' >> /etc/systemd/network/10-netgen-up1.network");
    const s = project.run(["status"]);
    assert.match(s.stdout, /h1: release \S+ .*DRIFT: etc\/systemd\/network\/10-netgen-up1.network/);
    const r = project.run(["push", "--yes"]);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /h1 : failed: drift: edited on the host since the last push: etc\/systemd\/network\/10-netgen-up1.network/);
    assert.match(fleet.ssh(fleet.hosts[1]!, "cat /etc/systemd/network/10-netgen-up1.network"), /edited by hand/, "refused: left as it was");
    const f = project.run(["push", "--yes", "--force"]);
    assert.is(f.code, 0, f.stdout + f.stderr);
    assert.not.match(fleet.ssh(fleet.hosts[1]!, "cat /etc/systemd/network/10-netgen-up1.network"), /edited by hand/);
    assert.match(fleet.ssh(fleet.hosts[1]!, "cat /var/lib/netgen/backup/*/etc/systemd/network/10-netgen-up1.network"), /edited by hand/, "--force kept what it overwrote");
  });

  test("diff, status and push --dry-run change nothing on the host, and show its text escaped", () => {
    const h1 = fleet.hosts[1]!;
    fleet.ssh(h1, "printf '# \\033[2J\\033]0;owned\\007\\n' >> /etc/systemd/network/10-netgen-up1.network; rm -rf /var/lib/netgen/agent");
    const look = "find /var/lib/netgen /etc/systemd/system -printf '%p %s %T@\\n' | sort; systemctl show -p ActiveEnterTimestamp netgen-guard.service";
    const before = fleet.ssh(h1, look);
    const d = project.run(["diff", "--limit", "h1"]);
    assert.is(d.code, 2, d.stdout + d.stderr);
    assert.ok(d.stdout.includes("\\x1b[2J\\x1b]0;owned\\x07"), d.stdout);
    assert.not.ok(/[\x00-\x08\x0b-\x1f]/.test(d.stdout), "no control character reaches the terminal");
    assert.is(project.run(["status", "--limit", "h1"]).code, 2);
    assert.is(project.run(["push", "--yes", "--dry-run", "--limit", "h1", "--force"]).code, 0);
    assert.is(fleet.ssh(h1, look), before, "the agent was not installed, nothing written");
    assert.is(project.run(["push", "--yes", "--force", "--limit", "h1"]).code, 0);
    assert.ok(consistent(1));
  });

  test("a push killed while the host activates, pushed again at once: the pending release is confirmed, not called in sync", async () => {
    project.write(base("{ address: 10.90.0.1/30, shape: { egress: 5mbit, ingress: 9mbit } }"));
    project.render();
    const child = spawnNetgen(project, ["push", "--yes", "--limit", "h0", "--confirm-timeout", "10"]);
    await new Promise<void>((resolve) => {
      child.stderr!.on("data", (d: Buffer) => {
        if (d.toString().includes("h0 : confirming")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", () => resolve());
    });
    assert.ok(pending(0), "killed with the release pending");
    const again = project.run(["push", "--yes", "--limit", "h0", "--json"]);
    assert.is(again.code, 0, again.stdout + again.stderr);
    assert.equal((JSON.parse(again.stdout) as { hosts: { outcome: string }[] }).hosts.map((h) => h.outcome), ["changed"]);
    assert.not.ok(pending(0), "confirmed");
    const id = release(0);
    await new Promise((res) => setTimeout(res, 12000));
    assert.is(release(0), id, "no rollback once the first push's timer would have fired");
    assert.match(project.run(["status", "--limit", "h0"]).stdout, /\(as rendered\)/);
  });

  test("a removed bundle and shaping: files pruned, routes and the ifb device gone", () => {
    const h0 = fleet.hosts[0]!;
    assert.match(fleet.ssh(h0, "ip -br link show ifb-up0"), /ifb-up0/);
    project.write(base("{ address: 10.90.0.1/30 }", ""));
    project.render();
    const r = project.run(["push", "--yes"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const files = fleet.ssh(h0, "ls /etc/systemd/network /etc/systemd/system");
    assert.not.match(files, /netgen-shape-up0|ifb-up0/);
    assert.match(files, /10-netgen-up0.network/);
    assert.is(fleet.ssh(h0, "ip link show ifb-up0 2>&1 || true").includes("does not exist"), true, "ifb device deleted");
    assert.is(fleet.ssh(h0, "ip route show 10.200.1.0/24"), "", "route gone");
    assert.ok(consistent(0));
  });

  test("rollback goes back to the previous release", () => {
    const now = release(0);
    const r = project.run(["rollback", "h0"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.not.equal(release(0), now);
    assert.match(fleet.ssh(fleet.hosts[0]!, "ip -j route show 10.200.1.0/24"), /10.90.0.2/, "the ecmp route is back");
    assert.ok(consistent(0));
    assert.is(project.run(["push", "--yes"]).code, 0);
    assert.is(release(0), now);
  });

  test("an unknown host key is refused with its fingerprint; --accept-new learns it; a changed key is refused", () => {
    const inv = (key: string | null) => inventoryFor(fleet, [{ hostKey: key, uplinks: { up0: "{ address: 10.90.0.1/30 }", up1: "{ address: 10.91.0.1/30 }" } }, { uplinks: { up0: "{ address: 10.90.0.2/30 }", up1: "{ address: 10.91.0.2/30 }" } }]);
    project.write(inv(null));
    project.render();
    const unknown = project.run(["push", "--yes", "--limit", "h0"]);
    assert.is(unknown.code, 4, unknown.stdout + unknown.stderr);
    assert.match(unknown.stderr, /unknown host key ssh-ed25519 SHA256:\S+ for 172.31.160.2/);
    const learn = project.run(["push", "--yes", "--limit", "h0", "--accept-new"]);
    assert.is(learn.code, 0, learn.stdout + learn.stderr);
    assert.is(project.run(["push", "--yes", "--limit", "h0"]).code, 0, "known now");
    project.write(inv("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFub3RoZXIga2V5IHRoYXQgaXMgbm90IHRoZSBob3N0cw"));
    project.render();
    const changed = project.run(["push", "--yes", "--limit", "h0"]);
    assert.is(changed.code, 4);
    assert.match(changed.stderr, /host key CHANGED: the inventory pins another key, the host offers ssh-ed25519 SHA256:/);
    project.write(base("{ address: 10.90.0.1/30 }", ""));
    project.render();
  });

  test("a push that cuts the management path: the host rolls back by itself and is reachable again", async () => {
    const h0 = fleet.hosts[0]!;
    const before = release(0);
    project.write(inventoryFor(fleet, [{ mgmt: "172.31.199.2/30", uplinks: { up0: "{ address: 10.90.0.1/30 }", up1: "{ address: 10.91.0.1/30 }" } }, { uplinks: { up0: "{ address: 10.90.0.2/30 }", up1: "{ address: 10.91.0.2/30 }" } }]));
    project.render();
    const started = Date.now();
    const r = project.run(["push", "--yes", "--limit", "h0", "--confirm-timeout", "12"]);
    assert.is(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /no confirmation within 12s over a new connection/);
    let back = false;
    while (!back && Date.now() - started < 40000) {
      try {
        back = release(0) === before;
      } catch {
        await new Promise((res) => setTimeout(res, 500));
      }
    }
    assert.ok(back, "h0 is reachable on its old address and runs its previous release");
    assert.match(fleet.ssh(h0, "journalctl -t netgen --no-pager | tail -3"), /was not confirmed: rolling back/);
    assert.ok(consistent(0));
    project.write(base("{ address: 10.90.0.1/30 }", ""));
    project.render();
  });

  test("the SSH connection killed mid-push: the host ends on the old release or the new one, never a mix", async () => {
    for (const killAt of ["uploading", "activating", "confirming"]) {
      project.write(base(`{ address: 10.90.0.1/30, shape: { egress: ${killAt.length}mbit } }`, ECMP));
      project.render();
      const child = spawnNetgen(project, ["push", "--yes", "--limit", "h1,h0", "--confirm-timeout", "8"]);
      await new Promise<void>((resolve) => {
        child.stderr!.on("data", (d: Buffer) => {
          if (d.toString().includes(`h0 : ${killAt}`)) {
            child.kill("SIGKILL");
            resolve();
          }
        });
        child.on("exit", () => resolve());
      });
      // The host rolls back 8 s after its activation ends (it re-arms then), and at the
      // latest 8 s after that if the activation outlasted the first window: 8 + 8 s, 3 s spare.
      for (const t0 = Date.now(); Date.now() - t0 < 19000 && pending(0); ) await new Promise((res) => setTimeout(res, 500));
      assert.ok(consistent(0), `killed while ${killAt}: h0's files are one release`);
      assert.ok(consistent(1), `killed while ${killAt}: h1's files are one release`);
      assert.not.ok(pending(0), "nothing left pending");
    }
  });

  test("the same inventory under another file name: every file's header changes, no device is recreated", () => {
    const h0 = fleet.hosts[0]!;
    project.write(base()); // shaped with ingress: an ifb device netgen's netdev file makes
    project.render();
    assert.is(project.run(["push", "--yes", "--limit", "h0"]).code, 0);
    const indexes = () => fleet.ssh(h0, "ip -o link show | cut -d: -f1,2 | sort");
    const before = indexes();
    assert.match(before, /ifb-up0/, "a netdev netgen made is there");
    const lab = readFileSync(join(project.dir, "inventories/lab.yaml"), "utf8");
    try {
      writeFileSync(join(project.dir, "inventories/site.yaml"), lab);
      assert.is(project.run(["render", "inventories/site.yaml"]).code, 0);
      const r = project.run(["push", "inventories/site.yaml", "--yes", "--limit", "h0"]);
      assert.is(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /h0 +: ok=1 changed=[1-9]/, "every file changed (its header names the inventory)");
      assert.is(indexes(), before, "every device kept its ifindex");
      assert.is(project.run(["push", "inventories/lab.yaml", "--yes", "--limit", "h0"]).code, 0);
      assert.is(indexes(), before);
    } finally {
      rmSync(join(project.dir, "inventories/site.yaml"), { force: true });
      rmSync(join(project.dir, "generated/site"), { recursive: true, force: true });
    }
  });

  test("a reboot before confirmation: the guard restores the previous release before networkd starts and systemd keeps none of its units", async () => {
    const h0 = fleet.hosts[0]!;
    project.write(base("{ address: 10.90.0.1/30, shape: { egress: 5mbit, ingress: 9mbit } }"));
    project.render();
    assert.is(project.run(["push", "--yes", "--limit", "h0"]).code, 0);
    const before = release(0);
    project.write(base("{ address: 10.90.0.1/30, shape: { egress: 4mbit, ingress: 9mbit } }"));
    project.render();
    const child = spawnNetgen(project, ["push", "--yes", "--limit", "h0", "--confirm-timeout", "120"]);
    await new Promise<void>((resolve) => {
      child.stderr!.on("data", (d: Buffer) => {
        if (d.toString().includes("h0 : confirming")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", () => resolve());
    });
    assert.ok(pending(0), "the new release waits for confirmation");
    await fleet.reboot(h0);
    assert.is(release(0), before, "back on the confirmed release");
    assert.not.ok(pending(0));
    assert.ok(consistent(0));
    const unit = fleet.ssh(h0, "systemctl show -p ExecStart netgen-shape-up0.service");
    assert.ok(unit.includes("rate 5mbit") && !unit.includes("rate 4mbit"), `systemd runs the confirmed unit: ${unit}`);
    const stamp = (unit: string, p: string) => Number(fleet.ssh(h0, `systemctl show -p ${p} --value ${unit}`).trim());
    assert.match(fleet.ssh(h0, "systemctl show -p Result netgen-guard.service"), /Result=success/);
    assert.ok(stamp("netgen-guard.service", "ExecMainExitTimestampMonotonic") <= stamp("systemd-networkd.service", "ExecMainStartTimestampMonotonic"), "the guard finished before networkd started");
    assert.match(fleet.ssh(h0, "systemctl show -p Before netgen-guard.service"), /systemd-modules-load\.service.*|systemd-sysctl\.service/);
  });

  test("--serial 1: a failing canary stops the rollout before the next host is touched", () => {
    project.write(base("{ address: 10.90.0.1/30, shape: { egress: 3mbit } }", ECMP.replace("10.200.0.0/24", "10.201.0.0/24")));
    project.render();
    fleet.ssh(fleet.hosts[0]!, "echo '# drift' >> /etc/systemd/network/10-netgen-up1.network");
    const before = release(1);
    const r = project.run(["push", "--yes", "--serial", "1"]);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /h0 : ok=0 changed=0 unreachable=0 failed=1/);
    assert.match(r.stdout, /h1 +: skipped/);
    assert.match(r.stdout, /stopped: the canary batch failed/);
    assert.is(release(1), before, "h1 untouched");
    const json = JSON.parse(project.run(["push", "--yes", "--force", "--serial", "1", "--json"]).stdout) as { hosts: { host: string; outcome: string }[]; skipped: string[] };
    assert.equal(json.hosts.map((h) => [h.host, h.outcome]), [["h0", "changed"], ["h1", "changed"]]);
    assert.equal(json.skipped, []);
  });

  test("a symlink planted on the host is refused: nothing lands where it points", () => {
    const h0 = fleet.hosts[0]!;
    const before = release(0);
    fleet.ssh(h0, "mv /etc/modules-load.d /etc/modules-load.d.real && mkdir -p /tmp/planted && ln -s /tmp/planted /etc/modules-load.d");
    try {
      project.write(base("{ address: 10.90.0.1/30, shape: { egress: 7mbit } }"));
      project.render();
      // Where netgen's own file was, the plant shows first as drift; --force overrides drift
      // but never writes through a planted symlink.
      const r = project.run(["push", "--yes", "--limit", "h0"]);
      assert.is(r.code, 2, r.stdout + r.stderr);
      const forced = project.run(["push", "--yes", "--force", "--limit", "h0"]);
      assert.is(forced.code, 2, forced.stdout + forced.stderr);
      assert.ok(/refusing: \/etc\/modules-load.d is a symbolic link/.test(forced.stderr), forced.stderr);
      assert.is(fleet.ssh(h0, "ls -A /tmp/planted"), "");
      assert.is(release(0), before);
    } finally {
      fleet.ssh(h0, "rm /etc/modules-load.d && mv /etc/modules-load.d.real /etc/modules-load.d");
    }
    assert.ok(consistent(0), "with the plant gone, h0's files are exactly its release");
  });

  test("preflight: networkd not running on a host: refused with what to do, before anything is written", () => {
    const h1 = fleet.hosts[1]!;
    project.write(base("{ address: 10.90.0.1/30 }", ECMP.replace("10.200.0.0/24", "10.202.0.0/24")));
    project.render();
    const look = "ls /var/lib/netgen/releases; find /etc/systemd/network /var/lib/netgen -newer /var/lib/netgen/current | sort";
    fleet.ssh(h1, "systemctl stop systemd-networkd.socket systemd-networkd");
    try {
      const before = fleet.ssh(h1, look);
      const r = project.run(["push", "--yes", "--limit", "h1"]);
      assert.is(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /h1 : failed: preflight: systemd-networkd is inactive: .*systemctl enable --now systemd-networkd.*\(nothing was written\)/);
      assert.is(fleet.ssh(h1, look), before, "nothing written");
    } finally {
      fleet.ssh(h1, "systemctl start systemd-networkd");
    }
    assert.is(project.run(["push", "--yes", "--limit", "h1"]).code, 0, "with networkd running it goes through");
  });

  test("nothing secret in push output, --json or errors", () => {
    const key = readFileSync(fleet.keyFile, "utf8");
    const secretLine = key.split("\n")[1]!;
    for (const args of [["push", "--yes", "--json"], ["status", "--json"], ["diff"]]) {
      const r = project.run(args);
      for (const out of [r.stdout, r.stderr]) {
        assert.not.match(out, /PRIVATE KEY/);
        assert.not.ok(out.includes(secretLine), `${args.join(" ")} printed key material`);
        if (process.env.SSH_AUTH_SOCK) assert.not.ok(out.includes(process.env.SSH_AUTH_SOCK), "agent socket path");
      }
    }
  });

  test("reboot persistence: after a restart the configuration and the tc units come back", async () => {
    project.write(base());
    project.render();
    assert.is(project.run(["push", "--yes"]).code, 0);
    const h0 = fleet.hosts[0]!;
    const id = release(0);
    await fleet.reboot(h0);
    assert.is(release(0), id);
    await waitFor("the ecmp route after reboot", () => fleet.ssh(h0, "ip -j route show 10.200.1.0/24").includes("10.90.0.2") || undefined);
    assert.match(fleet.ssh(h0, "systemctl is-enabled netgen-shape-up0.service"), /enabled/);
    assert.match(fleet.ssh(h0, "ip -br link show ifb-up0"), /ifb-up0/);
    startWithoutDevices(h0, "netgen-shape-up0.service");
    assert.match(fleet.ssh(h0, "tc qdisc show dev up0"), /htb 1: root/);
    assert.match(fleet.ssh(h0, "systemctl is-active netgen-guard.service; systemctl show -p Result netgen-guard.service"), /Result=success/);
  });
} else {
  test("push tier skipped", () => {});
}

test.run();
