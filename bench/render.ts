// npm run bench:render: `netgen render` as users run it, end to end, on
// synthetic inventories of 1,000 and 10,000 hosts (a fresh folder, and a
// re-render after a few hosts changed), next to the bare file-write floor and
// the in-memory part, all measured in the same run; and per host against
// netplan's generator on one host's equivalent YAML. Prints figures only:
// CPU-heavy, run it alone (flock /tmp/netgen-heavy.lock npm run bench:render).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, medianBy } from "./median.js";
import { netplanEquivalent } from "./synthetic.js";

const SIZES = [1000, 10000];
const ONE = fileURLToPath(new URL("./render-one.js", import.meta.url));

/** One run of render-one.js for `hosts` (its `mode`, if any), in a process of its own: the figures it printed. */
function renderOne<T>(hosts: number, ...mode: string[]): T {
  return JSON.parse(execFileSync(process.execPath, [ONE, String(hosts), ...mode], { encoding: "utf8" })) as T;
}

interface Steps { hosts: number; files: number; loadMs: number; yamlMs: number; peerMs: number; validateMs: number; planMs: number }

/** The in-memory part's steps, timed one by one in a fresh process. */
const netgenSteps = (hosts: number): Steps => renderOne<Steps>(hosts, "steps");

interface Run { hosts: number; files: number; memoryMs: number; freshMs: number; againMs: number; changedHosts: number; floorMs: number; pairRatios: number[]; peakMiB: number }

/** The median (by the fresh render) of `runs` runs, each in its own process. */
function netgenRun(hosts: number, runs: number): Run {
  const all = Array.from({ length: runs }, () => renderOne<Run>(hosts));
  return medianBy(all, (r) => r.freshMs);
}

/** Median wall time of `runs` invocations of a netplan generator for one host. */
function netplanPerHost(command: string[], runs = 21): number | undefined {
  if (!existsSync(command[0]!)) return undefined;
  const root = mkdtempSync(join(tmpdir(), "netgen-netplan-"));
  try {
    mkdirSync(join(root, "etc/netplan"), { recursive: true });
    writeFileSync(join(root, "etc/netplan/01-bench.yaml"), netplanEquivalent());
    chmodSync(join(root, "etc/netplan/01-bench.yaml"), 0o600);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      rmSync(join(root, "run"), { recursive: true, force: true });
      const start = process.hrtime.bigint();
      const r = spawnSync(command[0]!, [...command.slice(1), "--root-dir", root], { encoding: "utf8" });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (r.status !== 0) throw new Error(`${command.join(" ")} failed: ${r.stderr}`);
      if (!existsSync(join(root, "run/systemd/network/10-netplan-b0.netdev"))) throw new Error("netplan wrote no bond");
    }
    return median(times);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const RUNS = (hosts: number) => (hosts <= 1000 ? 3 : 1);
const results = SIZES.map((hosts) => netgenRun(hosts, RUNS(hosts)));
const steps = SIZES.map(netgenSteps);
const cli = netplanPerHost(["/usr/sbin/netplan", "generate"]);
const generator = netplanPerHost(["/usr/lib/netplan/generate"]);
const fmt = (n: number, d = 1) => n.toFixed(d);
const ms = (n: number) => `${fmt(n, 0)} ms`;
const n = (count: number) => count.toLocaleString("en");
const columns = [
  "hosts", "files", "netgen render, empty folder (mean of 2)", "(vs floor: ratio of the means; each turn)", "re-render, a few hosts changed", "(vs floor)",
  "bare-loop write of the same files (floor, mean of 2)", "in memory: load, validate, plan, templates", "per host", "peak memory (in memory)", "runs",
];
const row = (r: Run) => [
  n(r.hosts), n(r.files), ms(r.freshMs), `x${fmt(r.freshMs / r.floorMs, 2)} (${r.pairRatios.map((q) => `x${fmt(q, 2)}`).join(", ")})`,
  `${ms(r.againMs)} (${r.changedHosts} hosts changed)`, `x${fmt(r.againMs / r.floorMs, 2)}`, ms(r.floorMs),
  ms(r.memoryMs), `${fmt(r.memoryMs / r.hosts, 3)} ms`, `${fmt(r.peakMiB, 0)} MiB`, RUNS(r.hosts) === 1 ? "one" : `median of ${RUNS(r.hosts)}`,
];
const lines = [`| ${columns.join(" | ")} |`, `|${columns.map(() => "---:").join("|")}|`, ...results.map((r) => `| ${row(r).join(" | ")} |`)];
const stepColumns = ["hosts", "load: yaml, with positions", "the yaml package alone", "js-yaml, same data, no positions (peer)", "validate", "plan and templates", "all steps", "without the load"];
const stepRow = (t: Steps) => [
  n(t.hosts), `${ms(t.loadMs)} (x${fmt(t.loadMs / t.peerMs)} the peer)`, ms(t.yamlMs), ms(t.peerMs), ms(t.validateMs), ms(t.planMs),
  ms(t.loadMs + t.validateMs + t.planMs), ms(t.validateMs + t.planMs),
];
lines.push("", "in memory, step by step, in a process of its own (the load and the yaml package alone: the better of two turns each; the rest one run):", "",
  `| ${stepColumns.join(" | ")} |`, `|${stepColumns.map(() => "---:").join("|")}|`, ...steps.map((t) => `| ${stepRow(t).join(" | ")} |`));
const [small, big] = [results[0]!, results[results.length - 1]!];
const x = big.hosts / small.hosts;
const growth = (f: (r: Run) => number) => `x${fmt(f(big) / f(small))}`;
lines.push("", `growth ${n(small.hosts)} -> ${n(big.hosts)} hosts (x${x}): netgen render ${growth((r) => r.freshMs)}, `
  + `re-render ${growth((r) => r.againMs)}, in memory ${growth((r) => r.memoryMs)}, floor ${growth((r) => r.floorMs)}`);
const perHost = big.memoryMs / big.hosts;
if (cli !== undefined) lines.push(`netplan generate (CLI), one equivalent host: ${fmt(cli)} ms; netgen per host at ${n(big.hosts)}: ${fmt(perHost, 3)} ms (${fmt(cli / perHost, 0)}x less)`);
if (generator !== undefined) lines.push(`/usr/lib/netplan/generate (the C generator), one host: ${fmt(generator)} ms; ratio ${fmt(generator / perHost, 0)}x`);
if (cli === undefined && generator === undefined) lines.push("netplan is not installed (apt-get install netplan.io): no peer figures");
const goal = (met: boolean, text: string) => lines.push(`${met ? "goal met" : "goal MISSED"}: ${text}`);
goal(big.memoryMs < 5000, `${n(big.hosts)} hosts in memory in ${fmt(big.memoryMs / 1000, 2)} s (goal < 5 s)`);
const bigSteps = steps[steps.length - 1]!;
const rest = bigSteps.validateMs + bigSteps.planMs;
lines.push(`  step by step, in a separate run: load ${fmt(bigSteps.loadMs / 1000, 2)} s (the yaml package alone ${fmt(bigSteps.yamlMs / 1000, 2)} s,`
  + ` js-yaml ${fmt(bigSteps.peerMs / 1000, 2)} s), validate, plan and templates ${fmt(rest / 1000, 2)} s (${rest < 5000 ? "under" : "over"} 5 s without any load;`
  + ` ${fmt(Math.max(0, 5000 - bigSteps.yamlMs) / 1000, 2)} s is what 5 s leaves them after the yaml package alone)`);
const freshRatio = big.freshMs / big.floorMs;
goal(freshRatio <= 1.5, `netgen render of ${n(big.hosts)} hosts into an empty folder in ${fmt(big.freshMs / 1000, 2)} s, x${fmt(freshRatio, 2)} the write floor`
  + ` (goal <= x1.5; each render against the floor written next to it: ${big.pairRatios.map((q) => `x${fmt(q, 2)}`).join(", ")})`);
process.stdout.write(`${lines.join("\n")}\n`);
