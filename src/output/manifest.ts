// generated/<inventory>/.netgen-render.json: what was rendered from which
// inventory (by content hash), so push can refuse a stale tree and check that
// the tree was not edited after render. Deterministic: no timestamps.
import { hash } from "node:crypto";
import type { HostFiles } from "../render/file-set.js";

export const MANIFEST = ".netgen-render.json";

export interface Manifest {
  netgen: 1;
  inventory: string;
  hosts: Record<string, { inventorySha256: string; files: Record<string, { sha256: string; mode: string } | { link: string }> }>;
}

/** crypto.hash: createHash's digest in one call, without a Hash object per file. */
export function sha256(text: string | Buffer): string {
  return hash("sha256", text, "hex");
}

type FileHashes = Manifest["hosts"][string]["files"];
/** render compares (--check, the summary) and then writes: each file is hashed once. */
const hashed = new WeakMap<HostFiles, FileHashes>();

export function hostManifest(files: HostFiles, inventorySha256: string): Manifest["hosts"][string] {
  let entries = hashed.get(files);
  if (entries === undefined) {
    entries = {};
    for (const e of files.entries) entries[e.path] = e.kind === "file" ? { sha256: sha256(e.content), mode: e.mode.toString(8).padStart(4, "0") } : { link: e.target };
    hashed.set(files, entries);
  }
  return { inventorySha256, files: entries };
}

export function manifestText(m: Manifest): string {
  const hosts = Object.fromEntries(Object.entries(m.hosts).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ netgen: m.netgen, inventory: m.inventory, hosts }, null, 2)}\n`;
}
