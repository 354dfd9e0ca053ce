// npm run bench:render: netgen on synthetic inventories of 100, 1,000 and
// 10,000 hosts (wall time, peak memory), and per host against netplan's
// generator on one host's equivalent YAML, measured in the same run.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { netplanEquivalent } from "./synthetic.js";

const SIZES = [100, 1000, 10000];
const ONE = fileURLToPath(new URL("./render-one.js", import.meta.url));

interface Run { hosts: number; files: number; renderMs: number; writeMs: number; floorMs: number; totalMs: number; peakMiB: number }

function netgenRun(hosts: number): Run {
  const runs = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, [ONE, String(hosts)], { encoding: "utf8" })) as Run);
  return runs.sort((a, b) => a.totalMs - b.totalMs)[1]!; // the median of three
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
    return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const results = SIZES.map(netgenRun);
const cli = netplanPerHost(["/usr/sbin/netplan", "generate"]);
const generator = netplanPerHost(["/usr/lib/netplan/generate"]);
const fmt = (n: number, d = 1) => n.toFixed(d);
const lines = [
  "| hosts | files | render in memory (load, validate, plan, templates) | per host | write to disk | bare-loop write of the same files | peak memory |",
  "|---:|---:|---:|---:|---:|---:|---:|",
  ...results.map((r) => `| ${r.hosts.toLocaleString("en")} | ${r.files.toLocaleString("en")} | ${fmt(r.renderMs, 0)} ms | ${fmt(r.renderMs / r.hosts, 3)} ms | ${fmt(r.writeMs, 0)} ms | ${fmt(r.floorMs, 0)} ms (x${fmt(r.writeMs / r.floorMs, 2)}) | ${fmt(r.peakMiB, 0)} MiB |`),
];
const big = results[results.length - 1]!;
const small = results[0]!;
lines.push("", `growth 100 -> 10,000 hosts (render in memory): x${fmt(big.renderMs / small.renderMs)} for x100 hosts; 1,000 -> 10,000: x${fmt(big.renderMs / results[1]!.renderMs)} for x10`);
const perHost = big.renderMs / big.hosts;
if (cli !== undefined) lines.push(`netplan generate (CLI), one equivalent host: ${fmt(cli)} ms; netgen per host at 10,000: ${fmt(perHost, 3)} ms (${fmt(cli / perHost, 0)}x less)`);
if (generator !== undefined) lines.push(`/usr/lib/netplan/generate (the C generator), one host: ${fmt(generator)} ms; ratio ${fmt(generator / perHost, 0)}x`);
if (cli === undefined && generator === undefined) lines.push("netplan is not installed (apt-get install netplan.io): no peer figures");
lines.push(big.renderMs < 5000 ? `goal met: 10,000 hosts rendered in ${fmt(big.renderMs / 1000, 2)} s (< 5 s)` : `goal MISSED: 10,000 hosts rendered in ${fmt(big.renderMs / 1000, 2)} s (goal < 5 s); writing their ${big.files.toLocaleString("en")} files adds ${fmt(big.writeMs / 1000, 1)} s`);
process.stdout.write(`${lines.join("\n")}\n`);
