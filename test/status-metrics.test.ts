// `netgen status` reads the path figures the real metrics loop writes, over a
// real sshd through the agent. inventories/ecmp.yaml's hosts in namespaces
// (networkd, shaping units, as test/metrics.test.ts); devicea's rendered
// metrics.sh writes into a temp folder; an sshd in a mount namespace of its
// own sees that folder at the textfile path, so the agent reads the file the
// loop wrote. Then: a path cut by the far end, a stale file, --watch on a
// pseudo-terminal (python3's pty: Ctrl-C through the terminal) and on a pipe.
// The parser's own edge cases (escapes, a bond with no active path, a cut
// file) run without root.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleFigures, hostMetrics, metricsTable } from "../src/commands/status-metrics.js";
import { parsePrometheusText } from "../src/net/prometheus-text.js";
import { inNs, json } from "../src/lab/namespaces.js";
import { METRICS_FILE, TEXTFILE_DIR } from "../src/plan/metrics.js";
import { CLI, netgen } from "./support/cli.js";
import { buildLab, type Lab, type LabHost, runUnit, startAll, units } from "./support/lab-hosts.js";
import { NETWORKD, waitFor } from "./support/networkd.js";
import { makeKeys, type Sshd, startSshd } from "./support/sshd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

test("the parser: escaped label values, +Inf, comments; a line that is no sample is an error naming it", () => {
  const s = parsePrometheusText('# HELP x y\nnetgen_path_loss_ratio{bundle="a\\"b",path="p\\\\1"} 0.5\nup +Inf 1700000000\n', "h");
  assert.equal(s, [
    { name: "netgen_path_loss_ratio", labels: { bundle: 'a"b', path: "p\\1" }, value: 0.5 },
    { name: "up", labels: {}, value: Infinity },
  ]);
  assert.throws(() => parsePrometheusText("netgen_x{bundle=a} 1\n", "gw1: metrics file"), /gw1: metrics file: line 1 is not a Prometheus sample/);
  assert.throws(() => parsePrometheusText("netgen_x 1 2 3\n", "h"), /line 1/);
});

test("a bond end: the active path, path up from the bond; a bond with no active path shows (none); a bridge end: state from loss", () => {
  const text = [
    'netgen_bundle_path_up{bundle="f",path="p1"} 1',
    'netgen_bundle_path_up{bundle="f",path="p2"} 0',
    'netgen_bundle_path_active{bundle="f",path="p1"} 0',
    'netgen_bundle_path_active{bundle="f",path="p2"} 0',
    'netgen_bundle_active_path_changes_total{bundle="f"} 3',
    'netgen_path_loss_ratio{bundle="g",path="q1",uplink="u"} 1',
    'netgen_path_loss_ratio{bundle="g",path="q2",uplink="u"} 0.2',
    'netgen_path_rtt_seconds{bundle="g",path="q2",uplink="u"} 0.0125',
    "",
  ].join("\n");
  const [f, g] = bundleFigures(parsePrometheusText(text, "h"));
  assert.equal(f, { bundle: "f", switches: 3, activePath: null, paths: [{ path: "p1", state: "up" }, { path: "p2", state: "down" }] });
  assert.equal(g!.paths.map((p) => p.state), ["down", "up"]);
  assert.not.ok("activePath" in g!);
  const table = metricsTable([{ host: "gw1", metrics: hostMetrics({ text, size: text.length, ageSeconds: 40 }, "gw1") }, { host: "gw2", metrics: { state: "missing" } }]);
  assert.match(table[1]!, /^gw1 +f +\(none\) +p1 +up +- +- +- +3 +40s STALE$/);
  assert.match(table.find((l) => l.includes("q2"))!, /q2 +up +12\.50 +20 +- *$/);
  assert.match(table.at(-1)!, /^gw2 +\(no metrics file: netgen-metrics.service is not installed or not running\)$/);
});

test("a file cut at the agent's bound: its last, partial line is left out and the age says CUT", () => {
  const text = 'netgen_path_loss_ratio{bundle="g",path="q1",uplink="u"} 0\nnetgen_path_loss_ratio{bundle="g",pa';
  const m = hostMetrics({ text, size: 400000, ageSeconds: 1 }, "h");
  assert.ok(m.state === "fresh" && m.truncated && m.bundles[0]!.paths.length === 1);
  assert.match(metricsTable([{ host: "h", metrics: m }])[1]!, /1s CUT$/);
});

const EXPORTER_DIR_READY = tierAvailable("status reading the metrics loop over sshd", [
  isRoot, file(NETWORKD), file(TEXTFILE_DIR), file("/usr/sbin/sshd"), command("ssh-keygen"), command("tc"), command("unshare"), command("nft"), command("python3"),
]);

interface Figures {
  hosts: { host: string; metrics?: { state: string; ageSeconds?: number; bundles?: { bundle: string; paths: { path: string; state: string; rttMs?: number; lossPercent?: number }[] }[] } }[];
}

if (EXPORTER_DIR_READY) {
  test("status --json and the table carry devicea's path figures as its loop wrote them; a cut path, a stale file, --watch", async () => {
    let lab: Lab | undefined;
    let sshd: Sshd | undefined;
    let loop: ChildProcess | undefined;
    const work = mkdtempSync(join(tmpdir(), "netgen-status-metrics-"));
    const textfiles = join(work, "textfiles");
    mkdirSync(textfiles);
    try {
      lab = buildLab("inventories/ecmp.yaml");
      startAll(lab);
      const a = lab.hosts.get("devicea")!;
      const b = lab.hosts.get("deviceb")!;
      for (const h of [a, b]) {
        await waitFor(`${h.name}: addresses`, () => json<unknown[]>(h.ns, "ip", ["-j", "-4", "addr", "show", "dev", h === a ? "veth2" : "veth3"]).length > 0);
        for (const unit of units(h, "netgen-shape-")) {
          await waitFor(`${h.name}: ifbs of ${unit}`, () => shapeDevicesUp(h, unit));
          runUnit(h, unit);
        }
      }
      const bind = `mount --bind '${textfiles}' ${TEXTFILE_DIR} && exec /bin/sh '${join(a.root, "etc/netgen/metrics.sh")}'`;
      // Its work folder (mktemp -d) under this test's: a SIGKILL skips the script's own cleanup.
      mkdirSync(join(work, "tmp"));
      loop = spawn("ip", ["netns", "exec", a.ns, "unshare", "-m", "--propagation", "private", "sh", "-c", bind], { stdio: "ignore", detached: true, env: { ...process.env, TMPDIR: join(work, "tmp") } });

      // sshd sees the loop's folder where the agent looks for the file.
      const keys = makeKeys(work);
      sshd = await startSshd(keys, ["ed25519"], [], ["unshare", "-m", "--propagation", "private", "sh", "-c", `mount --bind '${textfiles}' ${TEXTFILE_DIR} && exec "$0" "$@"`]);
      mkdirSync(join(work, "inventories"));
      const ssh = `ssh: { host: 127.0.0.1, port: ${sshd.port}, user: root, identity: "${keys.clientKey}", host_key: "${keys.hostKey("ed25519")}" }`;
      writeFileSync(join(work, "inventories/ecmp.yaml"), readFileSync("inventories/ecmp.yaml", "utf8").replace("ssh: { host: 192.0.2.31 }", ssh));
      const r = netgen(["render", "inventories/ecmp.yaml"], work, {}, 60000);
      assert.is(r.code, 0, r.stderr);
      const env = { NETGEN_KNOWN_HOSTS: join(work, "known_hosts") };
      const status = (...extra: string[]) => netgen(["status", "inventories/ecmp.yaml", "--limit", "devicea", ...extra], work, env, 60000);
      const figures = () => {
        const s = status("--json");
        assert.is(s.code, 2, `nothing pushed: release none, not as rendered\n${s.stdout}${s.stderr}`);
        return (JSON.parse(s.stdout) as Figures).hosts[0]!.metrics!;
      };

      // Healthy: both veth paths up, sub-millisecond to a few ms, nothing lost, a fresh file.
      const healthy = await until("both paths measured", (seen) => {
        const m = figures();
        seen(m);
        return m.bundles?.[0]?.paths.every((p) => p.rttMs !== undefined) ? m : undefined;
      });
      assert.is(healthy.state, "fresh");
      assert.ok(healthy.ageSeconds! <= 5, `age ${healthy.ageSeconds}`);
      assert.equal(healthy.bundles!.map((x) => x.bundle), ["a-b"]);
      for (const p of healthy.bundles![0]!.paths) {
        assert.is(p.state, "up", p.path);
        assert.is(p.lossPercent, 0, p.path);
        assert.ok(p.rttMs! > 0 && p.rttMs! < 50, `${p.path}: ${p.rttMs} ms`);
      }
      // The same figures as the file on disk says at this round (read by hand, not by the parser).
      const onDisk = readFileSync(join(textfiles, "netgen.prom"), "utf8");
      assert.match(onDisk, /^netgen_path_loss_ratio\{bundle="a-b",path="veth0-veth1",uplink="veth0"\} 0$/m);
      process.stdout.write(`\n  healthy: RTT ${healthy.bundles![0]!.paths.map((p) => `${p.rttMs} ms`).join(", ")}\n`);

      const text = status();
      const table = text.stdout.split("\n");
      const head = table.findIndex((l) => l.startsWith("HOST "));
      assert.ok(head > 0, text.stdout);
      assert.match(table[head + 1]!, /^devicea +a-b +- +veth0-veth1 +up +\d+\.\d\d +0 +- +- +\ds$/, text.stdout);
      assert.match(table[head + 2]!, /^ +veth2-veth3 +up +\d+\.\d\d +0 +- *$/, text.stdout);
      process.stdout.write(`${table.slice(head, head + 3).join("\n")}\n`);

      // deviceb drops path 0's probes: status shows it down, loss 100 %, the other path still up.
      inNs(b.ns, "nft", ["add table inet cut; add chain inet cut in { type filter hook input priority 0; }; add rule inet cut in iifname veth1 icmp type echo-request drop"]);
      /** status, until path 0 of the bundle is reported `state`. */
      const pathZero = (state: "up" | "down", what: string) =>
        until(what, (seen) => {
          const m = figures();
          seen(m);
          return m.bundles?.[0]?.paths[0]?.state === state ? m : undefined;
        });
      const cut = await pathZero("down", "path 0 down in status");
      assert.is(cut.bundles![0]!.paths[0]!.lossPercent, 100);
      assert.is(cut.bundles![0]!.paths[0]!.rttMs, undefined);
      assert.is(cut.bundles![0]!.paths[1]!.state, "up");
      inNs(b.ns, "nft", ["delete table inet cut"]);
      await pathZero("up", "path 0 up again in status");

      // --watch on a pseudo-terminal: each round redraws in place; Ctrl-C (through the terminal) exits 0 and shows the cursor.
      // python's pty.fork starts a session of its own, at the default priority beside any other work: the
      // driver waits for the second redraw, up to 60 s, instead of a fixed time (7 s, once 0 redraws on a busy machine).
      const pty = spawnSync("python3", ["-c", PTY_RUN, "60", process.execPath, CLI, "status", "inventories/ecmp.yaml", "--limit", "devicea", "--watch", "1"], {
        cwd: work,
        env: { ...process.env, ...env },
        encoding: "latin1",
        timeout: 90000,
      });
      const [rc, ...rest] = pty.stdout.split("\n");
      const screen = rest.join("\n");
      assert.is(rc, "0", `exit status after Ctrl-C\n${screen}${pty.stderr}`);
      const redraws = screen.split("\x1b[H\x1b[2J").length - 1;
      assert.ok(redraws >= 2, `${redraws} redraws within 60 s at 1 s:\n${JSON.stringify(screen)}`);
      assert.ok(screen.startsWith("\x1b[?25l") && screen.trimEnd().endsWith("\x1b[?25h"), JSON.stringify(screen.slice(0, 40) + screen.slice(-40)));
      assert.match(screen, /devicea +a-b +- +veth0-veth1 +up/, JSON.stringify(screen));
      assert.match(screen, /\nevery 1s, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; Ctrl-C ends/, "the footer names the interval asked for");
      process.stdout.write(`  --watch 1 on a pty: ${redraws} redraws, exit 0 on Ctrl-C\n`);

      // --watch on a pipe: rounds one after another under a time line; SIGINT exits 0.
      const piped = spawn(process.execPath, [CLI, "status", "inventories/ecmp.yaml", "--limit", "devicea", "--watch", "1"], { cwd: work, env: { ...process.env, ...env } });
      let out = "";
      piped.stdout.on("data", (d: Buffer) => (out += d.toString()));
      await waitFor("two rounds on the pipe", () => (out.match(/^--- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/gm) ?? []).length >= 2, 30000);
      piped.kill("SIGINT");
      const code = await new Promise<number | null>((resolve) => piped.on("close", resolve));
      assert.is(code, 0);
      assert.not.match(out, /\x1b/, "no terminal codes on a pipe");
      // With --json: one JSON document a line, one line a round.
      const jsonWatch = spawn(process.execPath, [CLI, "status", "inventories/ecmp.yaml", "--limit", "devicea", "--watch", "1", "--json"], { cwd: work, env: { ...process.env, ...env } });
      let rounds = "";
      jsonWatch.stdout.on("data", (d: Buffer) => (rounds += d.toString()));
      await waitFor("two JSON rounds", () => rounds.split("\n").length > 2, 30000);
      jsonWatch.kill("SIGINT");
      assert.is(await new Promise<number | null>((resolve) => jsonWatch.on("close", resolve)), 0);
      for (const line of rounds.trimEnd().split("\n")) assert.is((JSON.parse(line) as Figures).hosts[0]!.metrics!.bundles![0]!.bundle, "a-b");

      // The loop stops; its file ages: status flags it stale by the host's clock.
      process.kill(-loop.pid!, "SIGKILL");
      loop = undefined;
      const old = new Date(Date.now() - 60000);
      utimesSync(join(textfiles, "netgen.prom"), old, old);
      const stale = figures();
      assert.is(stale.state, "stale");
      assert.ok(stale.ageSeconds! >= 60, `age ${stale.ageSeconds}`);
      assert.match(status().stdout, /^devicea +a-b .* 6\ds STALE$/m);
      // No file at all: the table says what that means.
      rmSync(join(textfiles, "netgen.prom"));
      assert.is(figures().state, "missing");
      assert.match(status().stdout, /^devicea +\(no metrics file: netgen-metrics.service is not installed or not running\)$/m);
      assert.ok(METRICS_FILE.startsWith(`${TEXTFILE_DIR}/`));
    } finally {
      if (loop) {
        try {
          process.kill(-loop.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
      await sshd?.stop();
      await lab?.teardown();
      rmSync(work, { recursive: true, force: true });
    }
  });
}

/** python3: run argv[2:] on a pseudo-terminal for argv[1] seconds, type Ctrl-C, print its exit status then all it wrote. */
const PTY_RUN = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
def read(until, redraws=None):
    global out
    while time.time() < until and (redraws is None or out.count(b"\\x1b[H\\x1b[2J") < redraws):
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            out += chunk
# Until the second redraw (a round a second: 2 s on a quiet machine), at most argv[1] seconds.
read(time.time() + float(sys.argv[1]), 2)
os.write(fd, b"\\x03")
read(time.time() + 10)
_, st = os.waitpid(pid, 0)
sys.stdout.write(str(os.waitstatus_to_exitcode(st)) + "\\n")
sys.stdout.flush()
sys.stdout.buffer.write(out)
`;

/** Poll until `check` returns a value; on a timeout the error carries what it saw last. */
async function until<T>(what: string, check: (seen: (x: unknown) => void) => T | undefined, timeoutMs = 40000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = check((x) => (last = x));
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The devices a shaping unit is bound to exist (networkd creates the ifbs). */
function shapeDevicesUp(h: LabHost, unit: string): boolean {
  const text = readFileSync(join(h.root, "etc/systemd/system", unit), "utf8");
  const devices = [...text.matchAll(/sys-subsystem-net-devices-(\S+?)\.device/g)].map((m) => m[1]!.replace(/\\x2d/g, "-"));
  return devices.every((d) => json<unknown[]>(h.ns, "ip", ["-j", "link", "show", d]).length > 0);
}

test.run();
