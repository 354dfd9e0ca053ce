// netgen graph INVENTORY [-o FILE.svg|FILE.dot] [--bundle NAME]
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { extname } from "node:path";
import { ExitError } from "../errors.js";
import { topologyDot } from "../graph/dot.js";
import { dotToSvg } from "../graph/svg.js";
import { topologyOf } from "../graph/topology.js";
import { planInventory } from "../plan/plan.js";
import { closest } from "../validate/suggest.js";
import { validateFile } from "../pipeline/pipeline.js";

export interface GraphOptions {
  inventory: string;
  out?: string;
  bundle?: string;
}

/** The DOT of a valid inventory (or of one bundle and its two hosts). */
export function inventoryDot(file: string, bundle?: string): string {
  const inventory = validateFile(file);
  if (bundle !== undefined && !inventory.bundles.some((b) => b.name === bundle)) {
    const names = inventory.bundles.map((b) => b.name);
    const guess = closest(bundle, names);
    throw new ExitError(`--bundle: no bundle '${bundle}' in ${file}${guess ? ` (did you mean '${guess}'?)` : ""}; bundles: ${names.join(", ") || "none"}`);
  }
  return topologyDot(topologyOf(inventory, planInventory(inventory), bundle));
}

export async function graph(options: GraphOptions, print: (text: string) => void): Promise<number> {
  const format = options.out === undefined ? "dot" : extname(options.out).toLowerCase();
  if (format !== "dot" && format !== ".dot" && format !== ".svg") throw new ExitError(`-o ${options.out}: give a file ending in .svg (the picture) or .dot (Graphviz source)`);
  const dot = inventoryDot(options.inventory, options.bundle);
  if (options.out === undefined) {
    print(dot);
    return 0;
  }
  const content = format === ".svg" ? await dotToSvg(dot) : dot;
  // Written beside and renamed: a reader never sees half a picture.
  const partial = `${options.out}.partial`;
  try {
    writeFileSync(partial, content);
    renameSync(partial, options.out);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new ExitError(`-o ${options.out}: cannot write it (${(error as NodeJS.ErrnoException).code ?? String(error)}): give a writable path`);
  }
  return 0;
}
