// Completions yargs cannot know: after --limit, the host and group names of the
// inventory on the command line (else of the one rendered under generated/).
// Read without validation: a half-edited inventory still completes, and any
// failure to read it completes nothing rather than print an error into the shell.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadInventory } from "../inventory/load.js";
import { readInventory } from "../inventory/read.js";
import { MANIFEST } from "../output/manifest.js";
import { readManifest } from "../output/tree.js";

/**
 * `words`: the command line being completed ("netgen", "push", ..., the current
 * word last). Undefined when the current word is not --limit's value.
 */
export function limitCompletions(words: readonly string[]): string[] | undefined {
  if (words.length < 2 || words[words.length - 2] !== "--limit") return undefined;
  const current = words[words.length - 1]!;
  // A comma-separated list: complete its last selector, after an optional '!'.
  const [, done, bang, partial] = /^(.*,)?(!?)([^,]*)$/.exec(current) ?? [];
  try {
    const file = words.slice(1, -2).find((w) => /\.ya?ml$/.test(w)) ?? renderedInventory();
    if (file === undefined) return [];
    const inventory = readInventory(file, loadInventory(file).data);
    const names = [...inventory.hosts.map((h) => h.name), ...new Set(inventory.hosts.flatMap((h) => h.groups))];
    return names.filter((n) => n.startsWith(partial ?? "")).map((n) => `${done ?? ""}${bang ?? ""}${n}`);
  } catch {
    return [];
  }
}

/** The inventory of the one tree under generated/, as push, diff and status pick it. */
function renderedInventory(): string | undefined {
  if (!existsSync("generated")) return undefined;
  const rendered = readdirSync("generated").filter((d) => existsSync(join("generated", d, MANIFEST)));
  return rendered.length === 1 ? readManifest(join("generated", rendered[0]!))?.inventory : undefined;
}
