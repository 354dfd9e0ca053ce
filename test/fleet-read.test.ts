// `netgen status` and `netgen diff` read hosts --forks at a time and still
// print them in inventory order. Six hosts are one real sshd (the agent runs
// from memory on this machine, read-only) behind six TCP relays, each holding
// its connection back for a while before it reaches sshd: later hosts are held
// less, so they answer first. How many hosts were being read at once is
// measured at the relays, not taken from netgen.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CLI, netgen } from "./support/cli.js";
import { makeKeys, type Sshd, startSshd } from "./support/sshd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const HOSTS = 6;
/** How long relay i holds a connection before it reaches sshd: 1050 ms for the first host down to 300 ms for the last. */
const holdMs = (i: number) => 300 + (HOSTS - 1 - i) * 150;

const ready = tierAvailable("parallel diff/status against sshd", [isRoot, file("/usr/sbin/sshd"), command("ssh-keygen")]);
const work = mkdtempSync(join(tmpdir(), "netgen-fleet-read-"));
let sshd: Sshd | undefined;
const relays: Server[] = [];
const sockets = new Set<Socket>();
/** [start, end] of each connection's hold: one runner's holds never overlap, so their largest overlap is the hosts read at once. */
let holds: [number, number][] = [];

function relay(i: number, upstream: number): Promise<number> {
  const server = createServer((client) => {
    sockets.add(client);
    client.pause();
    const start = Date.now();
    holds.push([start, start + holdMs(i)]);
    setTimeout(() => {
      const up = connect({ host: "127.0.0.1", port: upstream }, () => client.pipe(up).pipe(client));
      sockets.add(up);
      const end = () => (client.destroy(), up.destroy());
      up.on("error", end).on("close", end);
      client.on("error", end).on("close", end);
    }, holdMs(i));
  });
  relays.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

function mostAtOnce(): number {
  const edges = holds.flatMap(([s, e]) => [[s, 1] as const, [e, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step));
  return most;
}

/** The CLI run without blocking this process: the relays live here. */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  holds = [];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: work, env: { ...process.env, NETGEN_KNOWN_HOSTS: join(work, "known_hosts") } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

const names = Array.from({ length: HOSTS }, (_, i) => `gw${i + 1}`);

test.before(async () => {
  if (!ready) return;
  const keys = makeKeys(work);
  sshd = await startSshd(keys, ["ed25519"]);
  const ports = await Promise.all(names.map((_, i) => relay(i, sshd!.port)));
  mkdirSync(join(work, "inventories"));
  const hosts = names.map((name, i) => [
    `  ${name}:`,
    `    ssh: { host: 127.0.0.1, port: ${ports[i]}, identity: "${keys.clientKey}", host_key: "${keys.hostKey("ed25519")}" }`,
    "    uplinks:",
    `      wan0: { address: 10.77.${i}.2/24, gateway: 10.77.${i}.1 }`,
  ]);
  writeFileSync(join(work, "inventories/lab.yaml"), ["netgen: 1", "defaults: { systemd: 252, ssh: { user: root } }", "hosts:", ...hosts.flat(), ""].join("\n"));
  const r = netgen(["render", "inventories/lab.yaml"], work, {}, 30000);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
});

test.after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(relays.map((r) => new Promise((resolve) => r.close(resolve))));
  await sshd?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The host each per-host line names, in output order (one per host). */
const order = (stdout: string, head: RegExp) => stdout.split("\n").map((l) => head.exec(l)?.[1]).filter((n): n is string => n !== undefined);

if (ready) {
  for (const forks of [1, 3, HOSTS]) {
    test(`status --forks ${forks}: ${forks} host(s) read at once, reported in inventory order`, async () => {
      const r = await run(["status", "inventories/lab.yaml", "--forks", String(forks)]);
      // Nothing pushed here: every host runs no release, which is not what was rendered.
      assert.is(r.code, 2, `${r.stdout}${r.stderr}`);
      assert.equal(order(r.stdout, /^(gw\d+): release none \(rendered: \w+\)/), names, r.stdout);
      assert.is(mostAtOnce(), forks, JSON.stringify(holds));
    });
  }

  test("diff --forks 6: the later hosts answer first, the diffs still print in inventory order", async () => {
    const r = await run(["diff", "inventories/lab.yaml", "--forks", String(HOSTS)]);
    assert.is(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.equal(order(r.stdout, /^(gw\d+): \d+ to write, 0 to remove$/), names, r.stdout);
    // Each host's diff sits under its own head: gw3's uplink address only after the gw3 line.
    for (const [i, name] of names.entries()) {
      const part = r.stdout.split(/^(?=gw\d+: )/m).find((p) => p.startsWith(`${name}:`))!;
      assert.match(part, new RegExp(`^\\+Address=10\\.77\\.${i}\\.2/24$`, "m"), part);
    }
    assert.is(mostAtOnce(), HOSTS, JSON.stringify(holds));
  });

  test("--forks 0 is refused before any host is read", async () => {
    const r = await run(["status", "inventories/lab.yaml", "--forks", "0"]);
    assert.is(r.code, 1);
    assert.match(r.stderr, /--forks/);
    assert.is(holds.length, 0);
  });
}

test.run();
