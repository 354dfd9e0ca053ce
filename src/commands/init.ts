// netgen init [DIR] [--shape branch|two-sites] [--uplinks N]
import { mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { ExitError } from "../errors.js";
import { MAX_UPLINKS, MIN_UPLINKS, SHAPES, startingInventory, type Shape } from "../init/shapes.js";

export interface InitOptions {
  dir: string;
  shape: Shape;
  uplinks: number;
}

export function init(options: InitOptions, print: (line: string) => void): number {
  if (!Number.isInteger(options.uplinks) || options.uplinks < MIN_UPLINKS || options.uplinks > MAX_UPLINKS) {
    throw new ExitError(`--uplinks: give a whole number from ${MIN_UPLINKS} to ${MAX_UPLINKS} (the paths of the bundle)`);
  }
  if (!SHAPES.includes(options.shape)) throw new ExitError(`--shape: give one of ${SHAPES.join(", ")}`);
  const file = join(options.dir, "inventories", `${options.shape}.yaml`);
  const near = relative(process.cwd(), file);
  const shown = near.startsWith("..") || isAbsolute(near) ? resolve(file) : near;
  try {
    mkdirSync(join(options.dir, "inventories"), { recursive: true });
    // "wx": refuse an existing file in the same call that creates it, so no race can overwrite one.
    writeFileSync(file, startingInventory(options.shape, options.uplinks), { flag: "wx" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new ExitError(`${shown} exists already: netgen init never overwrites a file; remove it or give another folder`);
    throw new ExitError(`cannot write ${shown} (${code ?? String(error)}): give a folder you can write in`);
  }
  print(`wrote ${shown} (shape ${options.shape}, ${options.uplinks} paths): change its addresses to yours, then:`);
  print(`  netgen validate ${shown}`);
  print(`  netgen graph ${shown} -o topology.svg`);
  print(`  netgen render ${shown}`);
  return 0;
}
