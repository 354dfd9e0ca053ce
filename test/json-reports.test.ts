// --json on every command that reports about hosts (diff, rollback, keys, status,
// push --dry-run): one JSON document on stdout with push/status's shape (inventory,
// hosts[], exitCode), exit codes as without --json, progress on stderr. Against
// a closed port (unreachable) and a real sshd whose agent runs from memory,
// read-only, on this machine (as fleet-read.test does): diff --json must carry
// the same facts as diff's text, and list exactly the rendered files.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { keysText } from "../src/wireguard/keys-file.js";
import { netgen } from "./support/cli.js";
import { freePort, makeKeys, type Sshd, startSshd } from "./support/sshd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("--json reports against sshd", [isRoot, file("/usr/sbin/sshd"), command("ssh-keygen")]);
const work = mkdtempSync(join(tmpdir(), "netgen-json-"));
let sshd: Sshd | undefined;

/** A rendered project whose hosts gw and exit are at `port`: the ends of a WireGuard bundle, so `keys` asks them. */
function project(name: string, port: number): string {
  const keys = makeKeys(mkdtempSync(join(work, "keys-")));
  const dir = join(work, name);
  mkdirSync(join(dir, "inventories"), { recursive: true });
  const ssh = `    ssh: { host: 127.0.0.1, port: ${port}, identity: "${keys.clientKey}", host_key: "${keys.hostKey("ed25519")}" }`;
  writeFileSync(join(dir, "inventories/lab.yaml"), [
    "netgen: 1",
    "defaults: { systemd: 252, ssh: { user: root } }",
    "hosts:",
    "  gw:", ssh, "    uplinks:", "      wan0: { address: 10.77.0.2/24, gateway: 10.77.0.1 }",
    "  exit:", ssh, "    uplinks:", "      wan0: { address: 10.78.0.2/24, gateway: 10.78.0.1 }", "      wan1: { address: 10.79.0.2/24, gateway: 10.79.0.1 }",
    "bundles:",
    "  wg:",
    "    strategy: ecmp",
    "    transport: wireguard",
    "    link_subnet: 10.99.0.0/30",
    "    ends:",
    "      gw: { default_route: true }",
    "      exit: { routes: [10.10.0.0/24] }",
    "    paths:",
    "      - { gw: wan0, exit: wan0 }",
    "      - { gw: wan0, exit: wan1 }",
    "",
  ].join("\n"));
  // The keys the render needs, as `netgen keys` would have recorded them.
  writeFileSync(join(dir, "inventories/lab.keys.yaml"), keysText("lab.yaml", new Map([["gw", "2Fk3Lq4yXw6vJ0eUeC1v0nYqg3Jm0eYtq2Z0mQz8eUo="], ["exit", "7QfK0xH6m3qV9Yc1w4nB2sL8dP5tR0uE3yZ6aJ9kM1o="]])));
  const r = netgen(["render", "inventories/lab.yaml"], dir, {}, 30000);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  return dir;
}

interface Report {
  inventory: string;
  exitCode: number;
  hosts: Record<string, unknown>[];
}

function json(dir: string, args: string[], code: number): Report {
  const r = netgen(args, dir, { NETGEN_KNOWN_HOSTS: join(work, "known_hosts") }, 60000);
  assert.is(r.code, code, `netgen ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  const report = JSON.parse(r.stdout) as Report;
  assert.is(report.exitCode, code, "exitCode in the report is the process's");
  assert.ok(Array.isArray(report.hosts), "hosts[]");
  return report;
}

let closed = "";
let open = "";
test.before(async () => {
  if (!ready) return;
  try {
    await setUp();
  } catch (error) {
    // uvu reports a failing hook as no test at all: say why.
    console.error(error);
    throw error;
  }
});
async function setUp(): Promise<void> {
  closed = project("closed", await freePort());
  const keysDir = mkdtempSync(join(work, "sshd-"));
  const keys = makeKeys(keysDir);
  sshd = await startSshd(keys, ["ed25519"]);
  open = project("open", sshd.port);
  // That project's hosts log in with the sshd's own client key and pin its host key.
  const inventory = join(open, "inventories/lab.yaml");
  writeFileSync(inventory, readFileSync(inventory, "utf8").replace(/identity: "[^"]*", host_key: "[^"]*"/g, `identity: "${keys.clientKey}", host_key: "${keys.hostKey("ed25519")}"`));
  const r = netgen(["render", "inventories/lab.yaml"], open, {}, 30000);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
}
test.after(async () => {
  await sshd?.stop();
  rmSync(work, { recursive: true, force: true });
});

if (ready) {
  test("unreachable hosts: diff, rollback, keys and push --dry-run say so in JSON, exit 4", () => {
    const d = json(closed, ["diff", "--json", "inventories/lab.yaml"], 4);
    assert.is(d.inventory, "inventories/lab.yaml");
    assert.equal(d.hosts.map((h) => [h.host, h.reachable]), [["gw", false], ["exit", false]]);
    assert.match(String(d.hosts[0]!.error), /127\.0\.0\.1:\d+/);
    const r = json(closed, ["rollback", "gw", "inventories/lab.yaml", "--json"], 4);
    assert.equal(r.hosts.map((h) => [h.host, h.outcome]), [["gw", "unreachable"]]);
    const k = json(closed, ["keys", "inventories/lab.yaml", "--json"], 4);
    assert.equal(k.hosts.map((h) => [h.host, h.outcome]), [["gw", "unreachable"], ["exit", "unreachable"]]);
    const s = json(closed, ["status", "--json", "inventories/lab.yaml"], 4);
    assert.equal(s.hosts.map((h) => [h.host, h.reachable]), [["gw", false], ["exit", false]]);
    const p = json(closed, ["push", "--dry-run", "--json", "inventories/lab.yaml"], 4);
    assert.equal(p.hosts.map((h) => [h.host, h.outcome]), [["gw", "unreachable"], ["exit", "unreachable"]]);
  });

  test("diff --json: the rendered files to write, each with its diff, the same facts as the text", () => {
    const d = json(open, ["diff", "--json", "--limit", "gw", "inventories/lab.yaml"], 2);
    const host = d.hosts[0] as { host: string; reachable: boolean; current: string; changed: string[]; removed: string[]; files: { path: string; diff: string }[] };
    // A host netgen never touched: every rendered file and link is to be written.
    const rendered = JSON.parse(readFileSync(join(open, "generated/lab/.netgen-render.json"), "utf8")) as { hosts: Record<string, { files: Record<string, unknown> }> };
    assert.equal([...host.changed].sort(), Object.keys(rendered.hosts.gw!.files).sort());
    assert.is(host.reachable, true);
    assert.equal(host.removed, []);
    assert.equal(host.files.map((f) => f.path), host.changed);
    const text = netgen(["diff", "--limit", "gw", "inventories/lab.yaml"], open, { NETGEN_KNOWN_HOSTS: join(work, "known_hosts") }, 60000);
    assert.is(text.code, 2);
    assert.match(text.stdout, new RegExp(`^gw: ${host.changed.length} to write, 0 to remove$`, "m"));
    for (const f of host.files) assert.ok(text.stdout.includes(f.diff.replace(/\n$/, "")), `${f.path}: the same diff in the text`);
  });
}

test.run();
