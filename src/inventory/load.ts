// Read an inventory file into plain data, keeping the YAML syntax tree so that
// every later problem can be reported at its line and column.
//
// The `yaml` package is used instead of js-yaml: js-yaml gives positions for
// syntax errors only, while `yaml` keeps the range of every node, which is what
// `file:line:col` for schema and semantic errors needs.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { type DocPath, InventoryError, type LocatedProblem, type Problem } from "../errors.js";
import { clipValues } from "./clip.js";
import { nodeProblems } from "./nodes.js";

/** Larger inventories are refused before parsing: 10,000 hosts take about 3 MB. */
export const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;
/** Aliases expanded at most this many times (a "billion laughs" file stops here). */
const MAX_ALIAS_COUNT = 1000;
/** How the syntax tree becomes plain data. */
export const TO_JS_OPTIONS = { maxAliasCount: MAX_ALIAS_COUNT } as const;

export interface LoadedInventory {
  file: string;
  text: string;
  /** Of the bytes parsed: the manifest records it, so the tree and its hash come from one read. */
  sha256: string;
  data: unknown;
  locate(problem: Problem): LocatedProblem;
}

export function loadInventory(file: string): LoadedInventory {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error("not a regular file");
    size = stat.size;
  } catch (error) {
    throw new InventoryError([atStart(file, `cannot read the inventory: ${(error as Error).message}`, "give the path of an inventory YAML file, e.g. inventories/prod.yaml")]);
  }
  if (size > MAX_INVENTORY_BYTES) {
    throw new InventoryError([atStart(file, `the inventory is ${(size / 1048576).toFixed(1)} MiB; netgen reads at most ${MAX_INVENTORY_BYTES / 1048576} MiB`, "split it into several inventories")]);
  }
  const bytes = readFileSync(file);
  return parseInventory(file, bytes.toString("utf8"), bytes);
}

/**
 * How the inventory is parsed. yaml's own uniqueKeys check compares each key
 * with every earlier one (quadratic in a 10,000-host map): duplicates are found
 * in one pass below.
 */
export const PARSE_OPTIONS = { merge: true, uniqueKeys: false, prettyErrors: false, strict: true } as const;

export function parseInventory(file: string, text: string, bytes: Buffer | string = text): LoadedInventory {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, ...PARSE_OPTIONS });
  const located = (offset: number, problem: Problem): LocatedProblem => {
    const { line, col } = lineCounter.linePos(Math.min(Math.max(offset, 0), text.length));
    // Sliced at the line's known start: splitting the text up to it made each
    // problem cost the file's size (10,000 warnings took 13 s).
    const start = lineCounter.lineStarts[line - 1] ?? 0;
    const end = text.indexOf("\n", start);
    const sourceLine = text.slice(start, end === -1 ? text.length : end);
    const hint = problem.hint === undefined ? {} : { hint: clipValues(problem.hint) };
    return { ...problem, message: clipValues(problem.message), ...hint, file, line, col, sourceLine: sourceLine.replace(/\r$/, "") };
  };
  const syntax = [...doc.errors].map((e) =>
    located(e.pos[0], { path: [], message: `YAML: ${e.message.split("\n")[0]}`, hint: "fix the YAML syntax at this point" }),
  );
  if (syntax.length === 0) syntax.push(...duplicateKeys(doc).map(({ offset, problem }) => located(offset, problem)));
  // Checked on the syntax tree, before toJS() expands a single alias.
  if (syntax.length === 0) syntax.push(...nodeProblems(doc, text).map(({ offset, problem }) => located(offset, problem)));
  if (syntax.length > 0) throw new InventoryError(syntax);
  let data: unknown;
  try {
    data = doc.toJS(TO_JS_OPTIONS);
  } catch (error) {
    throw new InventoryError([located(0, { path: [], message: `YAML: ${(error as Error).message}`, hint: "write the repeated parts out, or use fewer nested aliases" })]);
  }
  const locate = (problem: Problem): LocatedProblem => located(offsetOf(doc, problem.path, problem.at ?? "value"), problem);
  return { file, text, sha256: createHash("sha256").update(bytes).digest("hex"), data, locate };
}

/**
 * Every key that appears twice in one mapping, at the second occurrence, in
 * document order. A plain walk: yaml's visit() builds a frozen path array at
 * every node, 600 MB of garbage for a 10,000-host inventory.
 */
function duplicateKeys(doc: Document): { offset: number; problem: Problem }[] {
  const found: { offset: number; problem: Problem }[] = [];
  const walk = (node: unknown): void => {
    if (isPair(node)) {
      walk(node.key);
      walk(node.value);
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isScalar(item.key)) continue;
        if (isMergeKey(item.key)) continue;
        const key = String(item.key.value);
        if (seen.has(key)) found.push({ offset: rangeStart(item.key) ?? 0, problem: { path: [], message: `YAML: Map keys must be unique: '${key}' appears twice`, hint: "remove or rename one of them" } });
        seen.add(key);
      }
      for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return found;
}

function atStart(file: string, message: string, hint: string): LocatedProblem {
  return { path: [], message, hint, file, line: 1, col: 1, sourceLine: "" };
}

/** The offset of the node at `path`, or of its deepest ancestor that exists. */
function offsetOf(doc: Document, path: DocPath, at: "key" | "value"): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    node = resolve(doc, node);
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(doc, node, String(segment));
      if (pair === undefined) return offset;
      // A whole mapping or list is reported at its key, where the reader looks.
      const value = resolve(doc, pair.value);
      if (last && (at === "key" || isMap(value) || isSeq(value))) return rangeStart(pair.key) ?? offset;
      node = pair.value;
      offset = rangeStart(resolve(doc, node) ?? pair.key) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      if (node === undefined) return offset;
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** Each mapping's own keys, indexed on first use: a problem per host would otherwise scan the hosts map each time. */
const pairsByKey = new WeakMap<object, Map<string, { key: unknown; value: unknown }>>();

function findPair(doc: Document, map: Node, key: string): { key: unknown; value: unknown } | undefined {
  if (!isMap(map)) return undefined;
  let pairs = pairsByKey.get(map);
  if (pairs === undefined) {
    pairs = new Map();
    for (const item of map.items) {
      if (isScalar(item.key) && !pairs.has(String(item.key.value))) pairs.set(String(item.key.value), item);
    }
    pairsByKey.set(map, pairs);
  }
  const own = pairs.get(key);
  if (own !== undefined) return own;
  // A key that came in through a merge (`<<: *defaults`) is found in the merged map.
  for (const item of map.items) {
    if (isMergeKey(item.key)) {
      const sources = resolve(doc, item.value);
      const list = isSeq(sources) ? sources.items.map((s) => resolve(doc, s)) : [sources];
      for (const source of list) {
        const found = findPair(doc, source as Node, key);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** A plain `<<` under `merge: true`: yaml gives its key the value Symbol(<<), not the string. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === "symbol" && key.value.description === "<<";
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : isPair(node) ? node.value : node;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}
