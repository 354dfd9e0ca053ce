// netgen render INVENTORY [-o DIR] [--check] [--limit HOSTS]
import { existsSync, readFileSync } from "node:fs";
import { basename, extname, join, relative, sep } from "node:path";
import { ExitError } from "../errors.js";
import type { Inventory } from "../inventory/types.js";
import { sha256 } from "../output/manifest.js";
import { diffTree, outputFolder, type RenderedTree, writeTree } from "../output/tree.js";
import { planInventory } from "../plan/plan.js";
import { renderHost } from "../render/render-host.js";
import { closest } from "../validate/suggest.js";
import { validateFile, type WarningOptions } from "../validate/validate.js";

export interface RenderOptions {
  inventory: string;
  out?: string;
  check: boolean;
  limit?: string;
  warnings?: WarningOptions;
}

export function defaultOutDir(inventory: string): string {
  return join("generated", basename(inventory, extname(inventory)));
}

/** Validate, plan and render in memory: nothing touches the disk. */
export function renderInventory(file: string, limit?: string, warnings: WarningOptions = {}): RenderedTree {
  const inventory = validateFile(file, warnings);
  const only = limitHosts(inventory, limit);
  const hosts = planInventory(inventory, only).map(renderHost);
  return { inventory: relative(process.cwd(), file).split(sep).join("/"), inventorySha256: sha256(readFileSync(file)), hosts, partial: only !== undefined };
}

export function limitHosts(inventory: Inventory, limit?: string): Set<string> | undefined {
  if (limit === undefined) return undefined;
  const names = limit.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const known = inventory.hosts.map((h) => h.name);
  for (const name of names) {
    if (!known.includes(name)) {
      const guess = closest(name, known);
      throw new ExitError(`--limit: no host '${name}' in ${inventory.file}${guess ? ` (did you mean '${guess}'?)` : ""}; hosts: ${known.join(", ")}`);
    }
  }
  if (names.length === 0) throw new ExitError("--limit: give host names separated by commas");
  return new Set(names);
}

export function render(options: RenderOptions, print: (line: string) => void): number {
  const tree = renderInventory(options.inventory, options.limit, options.warnings);
  const out = outputFolder(options.out ?? defaultOutDir(options.inventory));
  const differences = diffTree(out, tree);
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
  writeTree(out, tree);
  const width = Math.max(...tree.hosts.map((h) => h.host.length));
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  print(`rendered ${tree.inventory} -> ${out}/`);
  for (const h of tree.hosts) {
    const changed = differences.filter((d) => d.startsWith(`${join(out, h.host)}/`)).length;
    const files = h.entries.filter((e) => e.kind === "file").length;
    const links = h.entries.length - files;
    const state = !existed.has(h.host) ? "new" : changed ? `${plural(changed, "change")}` : "unchanged";
    print(`  ${h.host.padEnd(width)}  ${plural(files, "file")}${links ? `, ${plural(links, "link")}` : ""}  (${state})`);
  }
  return 0;
}
