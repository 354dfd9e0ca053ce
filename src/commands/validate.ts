// netgen validate INVENTORY [--strict] [--json]
import { InventoryError, type LocatedProblem } from "../errors.js";
import type { Inventory } from "../inventory/types.js";
import { validateFile, type WarningOptions } from "../pipeline/pipeline.js";
import type { Paint } from "../terminal/colour.js";
import { problemJson } from "../validate/report.js";

export interface ValidateOptions {
  strict: boolean;
  /** One JSON document on stdout, also when the inventory is invalid (exit 1 then). */
  json: boolean;
  /** Where warnings go without --json. */
  warn: (warning: LocatedProblem) => void;
  /** For the "valid" of the verdict (green on a terminal). */
  paint: Paint;
}

export function validate(file: string, print: (line: string) => void, options: ValidateOptions): number {
  if (options.json) return validateJson(file, print, options.strict);
  const inventory = validateFile(file, { strict: options.strict, warn: options.warn });
  print(`${file}: ${options.paint.ok("valid:")} ${summary(inventory)}`);
  return 0;
}

function summary(inventory: Inventory): string {
  const counts = new Map<string, number>();
  for (const b of inventory.bundles) counts.set(b.strategy, (counts.get(b.strategy) ?? 0) + 1);
  const strategies =
    inventory.bundles.length <= 10 ? inventory.bundles.map((b) => `${b.name} (${b.strategy})`).join(", ") : [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  return `${count(inventory.hosts.length, "host")}, ${count(inventory.bundles.length, "bundle")}${strategies ? `: ${strategies}` : ""}`;
}


function validateJson(file: string, print: (line: string) => void, strict: boolean): number {
  const warnings: LocatedProblem[] = [];
  const options: WarningOptions = { strict, warn: (w) => warnings.push(w) };
  let inventory: Inventory;
  try {
    inventory = validateFile(file, options);
  } catch (error) {
    if (!(error instanceof InventoryError)) throw error;
    print(JSON.stringify({ inventory: file, valid: false, problems: error.problems.map(problemJson), warnings: [] }, null, 2));
    return error.code;
  }
  const hosts = inventory.hosts.map((h) => ({ name: h.name, groups: h.groups }));
  const bundles = inventory.bundles.map((b) => ({ name: b.name, strategy: b.strategy }));
  print(JSON.stringify({ inventory: file, valid: true, problems: [], warnings: warnings.map(problemJson), hosts, bundles }, null, 2));
  return 0;
}
