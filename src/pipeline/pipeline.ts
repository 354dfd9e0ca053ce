// The one way from an inventory file to files: load -> validate -> plan ->
// render -> tree. Commands, the lab, the benches and the golden updater call
// this module; none of them strings the steps together itself.
import { basename, extname, join, relative, sep } from "node:path";
import { loadInventory } from "../inventory/load.js";
import { selectHosts } from "../inventory/select.js";
import type { Inventory } from "../inventory/types.js";
import type { RenderedTree } from "../output/tree.js";
import { planInventory } from "../plan/plan.js";
import type { HostFiles } from "../render/file-set.js";
import { renderHost } from "../render/render-host.js";
import { validateLoaded, type WarningOptions } from "../validate/validate.js";

export { selectHosts as limitHosts } from "../inventory/select.js";
export { validateFile, validateText, type WarningOptions } from "../validate/validate.js";
export { diffTree, readManifest, type RenderedTree, writeTree } from "../output/tree.js";

/** A valid inventory and the hash of the very bytes it was read from. */
export interface ValidInventory {
  inventory: Inventory;
  sha256: string;
}

/** Read the file once, validate it: every problem at once (InventoryError), or a typed inventory. */
export function loadValid(file: string, warnings: WarningOptions = {}): ValidInventory {
  const loaded = loadInventory(file);
  return { inventory: validateLoaded(loaded, warnings), sha256: loaded.sha256 };
}

/** generated/<inventory name>: where render writes and push reads by default. */
export function defaultOutDir(inventory: string): string {
  return join("generated", basename(inventory, extname(inventory)));
}

/** Plan and render hosts of a valid inventory (all, or those in `only`), in memory. */
export function renderHosts(inventory: Inventory, only?: ReadonlySet<string>): HostFiles[] {
  return planInventory(inventory, only).map(renderHost);
}

/** Validate, plan and render in memory: nothing touches the disk but the one read of `file`. */
export function renderInventory(file: string, limit?: string, warnings: WarningOptions = {}): RenderedTree {
  const { inventory, sha256 } = loadValid(file, warnings);
  const only = selectHosts(inventory, limit);
  const hosts = renderHosts(inventory, only);
  return { inventory: relative(process.cwd(), file).split(sep).join("/"), inventorySha256: sha256, hosts, partial: only !== undefined };
}
