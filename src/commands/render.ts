// netgen render INVENTORY [-o DIR] [--check] [--limit HOSTS] [--json]
import { existsSync } from "node:fs";
import { join } from "node:path";
import { outputFolder } from "../output/tree.js";
import { defaultOutDir, diffTree, renderInventory, writeTree } from "../pipeline/pipeline.js";
import type { WarningOptions } from "../pipeline/pipeline.js";
import type { LocatedProblem } from "../errors.js";
import { problemJson } from "../validate/report.js";

export interface RenderOptions {
  inventory: string;
  out?: string;
  check: boolean;
  limit?: string;
  warnings?: WarningOptions;
  /** One JSON document on stdout instead of the lines (warnings in it too). */
  json?: boolean;
}

export function render(options: RenderOptions, print: (line: string) => void): number {
  const warned: LocatedProblem[] = [];
  const warnings = options.json ? { ...options.warnings, warn: (w: LocatedProblem) => void warned.push(w) } : options.warnings;
  const tree = renderInventory(options.inventory, options.limit, warnings);
  const out = outputFolder(options.out ?? defaultOutDir(options.inventory));
  const unchanged = new Set<string>();
  const differences = diffTree(out, tree, unchanged);
  const json = (report: object) => print(JSON.stringify({ inventory: tree.inventory, out, ...report, warnings: warned.map(problemJson) }, null, 2));
  if (options.check && options.json) {
    json({ check: true, upToDate: differences.length === 0, differences });
    return differences.length === 0 ? 0 : 1;
  }
  if (options.check) {
    if (differences.length === 0) {
      print(`${out} is up to date with ${tree.inventory}`);
      return 0;
    }
    print(`${out} differs from what ${tree.inventory} renders to:`);
    for (const d of differences) print(`  ${d}`);
    print(`run: netgen render ${tree.inventory}${options.out ? ` -o ${options.out}` : ""}`);
    return 1;
  }
  const existed = new Set(tree.hosts.filter((h) => existsSync(join(out, h.host))).map((h) => h.host));
  writeTree(out, tree, unchanged);
  const changes = changesPerHost(out, differences);
  const hosts = tree.hosts.map((h) => {
    const changed = changes.get(h.host) ?? 0;
    const files = h.entries.filter((e) => e.kind === "file").length;
    return { host: h.host, files, links: h.entries.length - files, state: !existed.has(h.host) ? "new" : changed ? "changed" : "unchanged", changes: changed };
  });
  if (options.json) {
    json({ check: false, hosts });
    return 0;
  }
  const width = Math.max(...tree.hosts.map((h) => h.host.length));
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  print(`rendered ${tree.inventory} -> ${out}/`);
  for (const h of hosts) {
    const state = h.state === "changed" ? plural(h.changes, "change") : h.state;
    print(`  ${h.host.padEnd(width)}  ${plural(h.files, "file")}${h.links ? `, ${plural(h.links, "link")}` : ""}  (${state})`);
  }
  return 0;
}


/** Differences counted per host folder in one pass (a filter per host was quadratic in the fleet). */
function changesPerHost(out: string, differences: string[]): Map<string, number> {
  const prefix = join(out, "x").slice(0, -1); // as diffTree spells paths: join() normalizes `out`
  const counts = new Map<string, number>();
  for (const d of differences) {
    if (!d.startsWith(prefix)) continue;
    const slash = d.indexOf("/", prefix.length);
    if (slash < 0) continue; // the manifest, or a whole stale host folder: not a change inside a host
    const host = d.slice(prefix.length, slash);
    counts.set(host, (counts.get(host) ?? 0) + 1);
  }
  return counts;
}
