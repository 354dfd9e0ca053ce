// Which rendered tree a command works on, and whether it is still what the
// inventory renders to (a stale tree is refused with the command that fixes it).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ExitError } from "../errors.js";
import type { Host, Inventory } from "../inventory/types.js";
import { MANIFEST, type Manifest, sha256 } from "../output/manifest.js";
import { defaultOutDir, limitHosts, readManifest, validateFile } from "../pipeline/pipeline.js";
import { checkLocalKeys } from "./connection.js";
import { readRelease, type Release } from "./release.js";

export interface Source {
  inventory: Inventory;
  inventoryFile: string;
  outDir: string;
  manifest: Manifest;
  hosts: Host[];
  /** With `releases`: each host's rendered release, read and checked (release.ts). */
  releases: Map<string, Release>;
}

/**
 * Every local check before any host is contacted, in the order their exit codes
 * rank: the inventory and its tree (stale, edited, planted: exit 1), rollback's
 * one-host rule (`oneHost`, exit 1), then this machine's SSH keys (exit 5).
 */
export async function resolveSource(inventoryArg: string | undefined, limit: string | undefined, options: { releases: boolean; oneHost?: string }): Promise<Source> {
  let inventoryFile = inventoryArg;
  if (inventoryFile === undefined) {
    const rendered = existsSync("generated") && statSync("generated").isDirectory() ? readdirSync("generated").filter((d) => existsSync(join("generated", d, MANIFEST))) : [];
    if (rendered.length !== 1) {
      throw new ExitError(rendered.length === 0 ? "nothing rendered under generated/: run netgen render INVENTORY first" : `generated/ holds several inventories (${rendered.join(", ")}): name the one to use`);
    }
    inventoryFile = readManifest(join("generated", rendered[0]!))!.inventory;
  }
  const inventory = validateFile(inventoryFile);
  const outDir = defaultOutDir(inventoryFile);
  const manifest = readManifest(outDir);
  if (manifest === undefined) throw new ExitError(`${outDir} has not been rendered: run netgen render ${inventoryFile}`);
  const only = limitHosts(inventory, limit);
  const hosts = inventory.hosts.filter((h) => only === undefined || only.has(h.name));
  const current = sha256(readFileSync(inventoryFile));
  const stale = hosts.filter((h) => manifest.hosts[h.name]?.inventorySha256 !== current).map((h) => h.name);
  if (stale.length > 0) {
    throw new ExitError(`${outDir} is stale for ${stale.join(", ")}: ${inventoryFile} changed since it was rendered. Run netgen render ${inventoryFile}, review the diff, commit, then push.`);
  }
  // Every host's release is read and checked: an edited or planted tree is refused (exit 1).
  const releases = new Map(options.releases ? hosts.map((h) => [h.name, readRelease(outDir, h.name, manifest)] as const) : []);
  // --limit's selection also takes groups and globs: rollback acts on one host, named in full.
  if (options.oneHost !== undefined && (hosts.length !== 1 || hosts[0]!.name !== options.oneHost)) {
    throw new ExitError(`rollback: '${options.oneHost}' is a group (${hosts.map((h) => h.name).join(", ")}): rollback goes back on one host, named in full`);
  }
  await checkLocalKeys(hosts);
  return { inventory, inventoryFile, outDir, manifest, hosts, releases };
}
