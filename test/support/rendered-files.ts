// An inventory's text rendered in memory, as "host/path" -> content (a link as
// "-> target"), always written as inventory.yaml: the header names the file, so
// two variants compare file for file.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderInventory } from "../../src/pipeline/pipeline.js";

export function renderedFiles(dir: string, text: string): Map<string, string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "inventory.yaml"), text);
  const files = new Map<string, string>();
  for (const h of renderInventory(join(dir, "inventory.yaml")).hosts) {
    for (const e of h.entries) files.set(`${h.host}/${e.path}`, e.kind === "file" ? e.content : `-> ${e.target}`);
  }
  return files;
}
