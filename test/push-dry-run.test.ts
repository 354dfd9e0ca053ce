// push --dry-run against a real host (a systemd-nspawn container with sshd,
// systemd and networkd): the diff and the agent's forecast, as text and as
// JSON, and nothing changed on the host (its files by sha256, its devices by
// ifindex). This machine's kernel has no bonding or gretap: the host gets its
// first release from the agent itself (activate, as push's activation runs it,
// without the health check a missing bond would fail), and bridges named like
// the bond and its tunnels stand for them in the kernel (the agent asks the
// kernel only whether a link of that name exists). Run under the heavy lock: it boots a container.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { inNs } from "../src/lab/namespaces.js";
import type { Forecast } from "../src/push/forecast.js";
import type { HostDiff } from "../src/push/host-diff.js";
import { readRelease } from "../src/push/release.js";
import { readManifest } from "../src/pipeline/pipeline.js";
import { Project } from "./support/push-project.js";
import { startFleet, type TestFleet } from "./support/test-hosts.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("push --dry-run against a real host", [isRoot, command("systemd-nspawn"), file("/usr/sbin/sshd"), command("ssh-keygen")]);
const AGENT = fileURLToPath(new URL("../../agent/netgen-host", import.meta.url));

let fleet: TestFleet;
let project: Project;

/** h0 (the container) and the far end of its failover bundle, which is never contacted (--limit h0). */
function inventory(interval: string, far = "exit"): string {
  const h0 = fleet.hosts[0]!;
  return `netgen: 1
defaults: { systemd: 252, ssh: { user: root } }
hosts:
  h0:
    ssh: { host: ${h0.address}, identity: "${fleet.keyFile}", host_key: "${fleet.hostKey}" }
    uplinks:
      mgmt0: { address: ${h0.address}/30 }
      up0: { address: 10.90.0.1/30 }
      up1: { address: 10.91.0.1/30 }
  ${far}:
    ssh: { host: 192.0.2.1 }
    uplinks:
      up0: { address: 10.90.0.2/30 }
      up1: { address: 10.91.0.2/30 }
bundles:
  b0:
    strategy: failover
    ends:
      h0: { address: 10.42.0.1/24, default_route: true }
      ${far}: { address: 10.42.0.2/24 }
    paths:
      - { name: p0, h0: up0, ${far}: up0, primary: true }
      - { name: p1, h0: up1, ${far}: up1 }
    monitor: { interval: ${interval} }
`;
}

/** The rendered release of h0 put on the host and activated by the agent, as a push's upload and activation do. */
function installFirstRelease(): void {
  const h0 = fleet.hosts[0]!;
  const out = join(project.dir, "generated/lab");
  const release = readRelease(out, "h0", readManifest(out)!);
  const dir = join(h0.root, "var/lib/netgen/releases", release.id);
  for (const e of release.entries) {
    const path = join(dir, "files", e.path);
    mkdirSync(dirname(path), { recursive: true });
    if (e.kind === "f") writeFileSync(path, e.content!, { mode: parseInt(e.mode, 8) });
    else symlinkSync(e.target!, path);
  }
  writeFileSync(join(dir, "manifest"), release.manifest);
  mkdirSync(join(h0.root, "var/lib/netgen/agent"), { recursive: true });
  copyFileSync(AGENT, join(h0.root, "var/lib/netgen/agent/netgen-host"));
  chmodSync(join(h0.root, "var/lib/netgen/agent/netgen-host"), 0o755);
  fleet.ssh(h0, `/var/lib/netgen/agent/netgen-host activate ${release.id}`);
}

/** Everything a dry run could change: netgen's files and state by sha256, links, every device by ifindex, temp folders. */
function snapshot(): string {
  const h0 = fleet.hosts[0]!;
  const dirs = "/var/lib/netgen /etc/systemd /etc/netgen /etc/modprobe.d /etc/modules-load.d /etc/sysctl.d";
  const files = fleet.ssh(h0, `find ${dirs} -type f -exec sha256sum {} + | sort; find ${dirs} -type l -printf '%p -> %l\\n' | sort; ls -a /tmp /run | grep netgen || true`);
  const links = inNs(h0.ns, "ip", ["-o", "link"]).split("\n").map((l) => l.split(/[:@]/).slice(0, 2).join(":")).join("\n");
  return `${files}\n${links}`;
}

interface DryRunJson {
  inventory: string;
  dryRun: boolean;
  exitCode: number;
  hosts: { host: string; outcome: string; diff: HostDiff; forecast: Forecast }[];
}

if (ready) {
  test.before(async () => {
    fleet = await startFleet(1);
    const h0 = fleet.hosts[0]!;
    for (const up of ["up0", "up1"]) inNs(h0.ns, "ip", ["link", "add", up, "type", "veth", "peer", "name", `${up}-far`]);
    const dir = mkdtempSync(join(tmpdir(), "netgen-dry-run-"));
    project = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts") });
    project.write(inventory("100ms"));
    project.render();
    installFirstRelease();
    // networkd could not create them here ("Operation not supported"): bridges of their names stand in.
    for (const device of ["b0", "b0-p0", "b0-p1"]) inNs(h0.ns, "ip", ["link", "add", device, "type", "bridge"]);
  });
  test.after(async () => {
    await fleet?.teardown();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  test("a bond option changed: the diff, the bond recreated, its bundle pausing, nothing changed on the host", () => {
    project.write(inventory("200ms"));
    project.render();
    const before = snapshot();
    const r = project.run(["push", "--dry-run", "--limit", "h0"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^--- before: \/etc\/systemd\/network\/10-netgen-b0\.netdev$/m);
    assert.match(r.stdout, /^-ARPIntervalSec=100ms$/m);
    assert.match(r.stdout, /^\+ARPIntervalSec=200ms$/m);
    assert.match(r.stdout, /^ {2}recreated \(deleted, networkd creates it anew\): b0 \(its \.netdev changes ARPIntervalSec=200ms\)$/m);
    // (ARP missed max 2 + 2) x 200 ms: the time push's health check holds a new bond's verdict.
    assert.match(r.stdout, /^ {2}bundle b0: traffic pauses: b0 recreated; its ARP monitor judges the paths about 800 ms after the bond is up$/m);
    assert.match(r.stdout, /^h0 +: ok=1 changed=1 unreachable=0 failed=0$/m);
    assert.is(snapshot(), before, "push --dry-run changed nothing on the host");

    const j = project.run(["push", "--dry-run", "--json", "--limit", "h0"]);
    assert.is(j.code, 0, j.stderr);
    const report = JSON.parse(j.stdout) as DryRunJson;
    assert.is(report.dryRun, true);
    assert.is(report.exitCode, 0);
    const host = report.hosts[0]!;
    assert.equal(host.diff.changed, ["etc/systemd/network/10-netgen-b0.netdev"]);
    assert.match(host.diff.files[0]!.diff, /^\+ARPIntervalSec=200ms$/m);
    assert.equal(host.forecast.devices, [{ name: "b0", change: "recreate", why: "its .netdev changes ARPIntervalSec=200ms", settleMs: 800 }]);
    assert.equal(host.forecast.bundles, [{ bundle: "b0", pauses: true, because: ["b0 recreated"], settleMs: 800 }]);
    assert.equal(host.forecast.reloads, ["networkd"]);
    assert.is(snapshot(), before, "push --dry-run --json changed nothing on the host");
  });

  test("only Description= changes (the far host renamed): no device recreated, no pause", () => {
    project.write(inventory("100ms", "exit2"));
    project.render();
    const before = snapshot();
    const r = project.run(["push", "--dry-run", "--limit", "h0"]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^\+Description=failover bundle b0 to exit2$/m);
    assert.match(r.stdout, /^ {2}no device recreated$/m);
    assert.match(r.stdout, /^ {2}bundle b0: no pause expected$/m);
    const report = JSON.parse(project.run(["push", "--dry-run", "--json", "--limit", "h0"]).stdout) as DryRunJson;
    assert.equal(report.hosts[0]!.diff.changed.length, 3);
    assert.equal(report.hosts[0]!.forecast.devices, []);
    assert.equal(report.hosts[0]!.forecast.bundles, [{ bundle: "b0", pauses: false, because: [] }]);
    assert.is(snapshot(), before);
  });
}

test.run();
