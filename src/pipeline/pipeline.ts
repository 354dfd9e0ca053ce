// The one way from an inventory file to files: load -> validate -> plan ->
// render -> tree. Commands, the lab, the benches and the golden updater call
// this module; none of them strings the steps together itself.
import { basename, extname, join, relative, sep } from "node:path";
import { InventoryError, type LocatedProblem, type Problem } from "../errors.js";
import { loadInventory } from "../inventory/load.js";
import { selectHosts } from "../inventory/select.js";
import type { Inventory } from "../inventory/types.js";
import type { RenderedTree } from "../output/tree.js";
import { planHosts } from "../plan/plan.js";
import type { HostFiles } from "../render/file-set.js";
import { renderHost } from "../render/render-host.js";
import { validateLoaded, type WarningOptions } from "../validate/validate.js";
import { keysFileOf as keysPath, readKeys } from "../wireguard/keys.js";

export { selectHosts as limitHosts } from "../inventory/select.js";
export { validateFile, validateText, type WarningOptions } from "../validate/validate.js";
export { diffTree, readManifest, type RenderedTree, writeTree } from "../output/tree.js";

/** A valid inventory and the hash of the very bytes it was read from. */
export interface ValidInventory {
  inventory: Inventory;
  sha256: string;
  /** Where a problem found later (a missing key) is in the inventory. */
  locate(problem: Problem): LocatedProblem;
}

/**
 * Read the file once, validate it: every problem at once (InventoryError), or a
 * typed inventory, with the WireGuard public keys of the keys file beside it.
 */
export function loadValid(file: string, warnings: WarningOptions = {}): ValidInventory {
  const loaded = loadInventory(file);
  const inventory = validateLoaded(loaded, warnings);
  const keys = readKeys(file);
  if (keys.problems.length > 0) {
    throw new InventoryError(keys.problems.map((p) => ({ path: [], message: p.message, hint: `fix it, or run netgen keys ${file} to write it again`, file: keys.file, line: p.line, col: 1, sourceLine: "" })));
  }
  inventory.publicKeys = keys.hosts;
  return { inventory, sha256: loaded.sha256, locate: loaded.locate };
}

/**
 * Every end of a wireguard bundle among `only` (all: undefined) needs its host's
 * public key, and so does its far end: `netgen keys` asks the hosts for them.
 */
export function requireKeys(valid: ValidInventory, file: string, only?: ReadonlySet<string>): void {
  const { inventory } = valid;
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const bundle of inventory.bundles) {
    if (bundle.transport !== "wireguard" || !bundle.ends.some((e) => only === undefined || only.has(e.host))) continue;
    for (const end of bundle.ends) {
      if (inventory.publicKeys.has(end.host) || reported.has(end.host)) continue;
      reported.add(end.host);
      problems.push({ path: ["bundles", bundle.name, "ends", end.host], at: "key", message: `${end.host} has no WireGuard public key in ${relative(process.cwd(), keysPath(file)) || keysPath(file)}`, hint: `run netgen keys ${file}: each host creates its key pair and netgen writes the public keys there` });
    }
  }
  if (problems.length > 0) throw new InventoryError(problems.map(valid.locate));
}

/** generated/<inventory name>: where render writes and push reads by default. */
export function defaultOutDir(inventory: string): string {
  return join("generated", basename(inventory, extname(inventory)));
}

/** Plan and render hosts of a valid inventory (all, or those in `only`), in memory. */
export function renderHosts(inventory: Inventory, only?: ReadonlySet<string>): HostFiles[] {
  const files: HostFiles[] = [];
  for (const plan of planHosts(inventory, only)) files.push(renderHost(plan));
  return files;
}

/** Validate, plan and render in memory: nothing touches the disk but the one read of `file`. */
export function renderInventory(file: string, limit?: string, warnings: WarningOptions = {}): RenderedTree {
  const valid = loadValid(file, warnings);
  const { inventory, sha256 } = valid;
  const only = selectHosts(inventory, limit);
  requireKeys(valid, file, only);
  const hosts = renderHosts(inventory, only);
  return { inventory: relative(process.cwd(), file).split(sep).join("/"), inventorySha256: sha256, hosts, partial: only !== undefined };
}
