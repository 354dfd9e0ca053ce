// load -> schema (ajv) + semantic rules (references resolve, addresses fit) ->
// checks of what the planner derives from the now resolvable inventory (device
// names, tunnel MTUs) -> every problem at once, or a typed inventory.
import { basename } from "node:path";
import { InventoryError, type LocatedProblem, type Problem } from "../errors.js";
import { loadInventory, parseInventory, type LoadedInventory } from "../inventory/load.js";
import { readInventory } from "../inventory/read.js";
import type { Inventory } from "../inventory/types.js";
import { addressRules, addressWarnings } from "./rules/addresses.js";
import { boundRules, boundWarnings } from "./rules/bounds.js";
import { bundleRules } from "./rules/bundles.js";
import { ruleContext } from "./rules/context.js";
import { deviceRules } from "./rules/devices.js";
import { hostRules } from "./rules/hosts.js";
import { pathNameRules } from "./rules/path-names.js";
import { probeExposureWarnings } from "./rules/probe-exposure.js";
import { roundRobinPaceWarnings } from "./rules/round-robin-pace.js";
import { wireguardRules, wireguardWarnings } from "./rules/wireguard.js";
import { schemaProblems } from "./schema-check.js";

/** File names reach the header of every generated file: keep them plain. */
const INVENTORY_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml$/;

/** What to do with what is legal but odd: by default nothing is said. */
export interface WarningOptions {
  /** Warnings are problems: exit 1, nothing written (`--strict`). */
  strict?: boolean;
  warn?: (warning: LocatedProblem) => void;
}

export function validateFile(file: string, options: WarningOptions = {}): Inventory {
  return validateLoaded(loadInventory(file), options);
}

export function validateText(file: string, text: string, options: WarningOptions = {}): Inventory {
  return validateLoaded(parseInventory(file, text), options);
}

export function validateLoaded(loaded: LoadedInventory, options: WarningOptions = {}): Inventory {
  const problems: Problem[] = [...schemaProblems(loaded.data)];
  if (!INVENTORY_FILE_NAME.test(basename(loaded.file))) {
    problems.push({ path: [], message: `the inventory's file name '${basename(loaded.file)}' goes into every generated file's header and names the output folder`, hint: "name it with letters, digits, '.', '_', '-' and end it in .yaml" });
  }
  const inventory = readInventory(basename(loaded.file), loaded.data);
  const ctx = ruleContext(inventory);
  problems.push(...hostRules(ctx), ...bundleRules(ctx), ...pathNameRules(ctx), ...addressRules(ctx), ...boundRules(ctx), ...wireguardRules(ctx));
  // The devices and MTUs to check are what planning code derives, and planning
  // needs every reference resolved: they are checked on an inventory that has
  // passed everything above, never on one that has not.
  if (problems.length === 0) problems.push(...deviceRules(ctx));
  const warnings = [...addressWarnings(ctx), ...boundWarnings(ctx), ...wireguardWarnings(ctx), ...probeExposureWarnings(ctx), ...roundRobinPaceWarnings(ctx)];
  if (options.strict) problems.push(...warnings.map((w) => ({ ...w, message: `${w.message} (an error under --strict)` })));
  if (problems.length > 0) throw new InventoryError(sortProblems(problems.map(loaded.locate)));
  // Located only for someone who prints them (the benches and the lab do not).
  if (options.warn) for (const w of sortProblems(warnings.map(loaded.locate))) options.warn(w);
  return inventory;
}

/** Sorted by position; a problem found from both ends of a bundle is shown once. */
function sortProblems(problems: LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.col}:${p.message}`;
    return !seen.has(key) && seen.add(key) !== undefined;
  }).sort((a, b) => a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : 1));
}
