// Checks on the YAML syntax tree that must run before it becomes plain data:
// what toJS() would silently drop, stringify or expand without bound.
import { Document, isAlias, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import type { Problem } from "../errors.js";

/**
 * Nodes after every alias is expanded, counted without expanding them. The
 * 1,000-alias cap of toJS() counts aliases, not what they expand to: one host of
 * 200 uplinks aliased 1,000 times (17.5 KB) rendered 200,001 files. The bench's
 * 10,000-host inventory (4.9 MB) has about 570,000.
 */
export const MAX_EXPANDED_NODES = 1_000_000;
/**
 * Aliases may repeat small parts (a `<<: *common` per host), not multiply the
 * inventory: 16 KB aliasing one 64-uplink host 999 times stayed under the
 * node bound and rendered 129,001 files (818 MB) in 81 s.
 */
export const MAX_ALIAS_GROWTH = 10;
const GROWTH_FLOOR = 10_000;
/** An inventory is nested about 7 levels deep; this leaves room and bounds the recursion. */
export const MAX_DEPTH = 32;

/** Tags that only name what the value already is; anything else would be dropped or turned into an object. */
const PLAIN_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

export interface NodeProblem {
  offset: number;
  problem: Problem;
}

export function nodeProblems(doc: Document, text: string): NodeProblem[] {
  const problems: NodeProblem[] = [];
  const at = (node: unknown) => (node as { range?: [number, number, number] } | null)?.range ?? [0, 0, 0];
  const report = (node: unknown, message: string, hint: string) => problems.push({ offset: at(node)[0], problem: { path: [], message, hint } });
  const source = (node: unknown) => {
    const [start, end] = at(node);
    const written = text.slice(start, Math.min(end, start + 40));
    return end - start > 40 ? `${written}...` : written;
  };
  // Each anchored node is sized once: an alias costs what its anchor costs.
  const sizes = new Map<Node, number>();
  let deepReported = false;
  let written = 0;

  const size = (node: unknown, depth: number): number => {
    if (node === null || node === undefined) return 1;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined) return 1;
      const known = sizes.get(target);
      if (known === -1) {
        report(node, `YAML: alias *${node.source} refers to a node that contains it`, "an alias can only repeat a node defined before and outside it");
        sizes.set(target, 1);
        return 1;
      }
      return known ?? size(target, depth);
    }
    written++;
    if (depth > MAX_DEPTH) {
      if (!deepReported) report(node, `YAML: nested more than ${MAX_DEPTH} levels deep`, "an inventory is a few levels deep: hosts, uplinks, their keys");
      deepReported = true;
      return 1;
    }
    const tag = (node as { tag?: string }).tag;
    if (tag !== undefined && !PLAIN_TAGS.has(tag)) {
      report(node, `YAML: unknown tag ${tag.replace(/^tag:yaml\.org,2002:/, "!!")}`, "remove the tag: netgen reads plain strings, numbers, booleans, lists and mappings");
    }
    if (isScalar(node)) {
      if (typeof node.value === "number" && !Number.isFinite(node.value)) {
        const what = Number.isNaN(node.value) ? "not a number" : "infinite";
        report(node, `YAML: ${source(node)} is ${what}`, "write a finite number");
      }
      return 1;
    }
    if (!isMap(node) && !isSeq(node)) return 1;
    sizes.set(node, -1);
    let total = 1;
    for (const item of node.items) {
      if (isPair(item)) {
        const key = isAlias(item.key) ? item.key.resolve(doc) : item.key;
        if (isMap(key) || isSeq(key)) {
          report(item.key, "YAML: a key that is a list or a mapping", "write each key as a plain name, e.g. up1:");
        }
        total += size(item.key, depth + 1) + size(item.value, depth + 1);
      } else {
        total += size(item, depth + 1);
      }
      if (total > MAX_EXPANDED_NODES) break; // the rest cannot make it smaller
    }
    sizes.set(node, total);
    return total;
  };

  const total = size(doc.contents, 0);
  if (total > MAX_EXPANDED_NODES) {
    problems.push({
      offset: 0,
      problem: {
        path: [],
        message: `the inventory expands to more than ${MAX_EXPANDED_NODES.toLocaleString("en")} YAML nodes once its aliases are expanded`,
        hint: "repeat fewer parts with aliases, or split the inventory into several",
      },
    });
  } else if (total > GROWTH_FLOOR + MAX_ALIAS_GROWTH * written) {
    problems.push({
      offset: 0,
      problem: {
        path: [],
        message: `aliases multiply the inventory ${Math.round(total / written)} times (${written.toLocaleString("en")} nodes written, ${total.toLocaleString("en")} once expanded); netgen allows ${MAX_ALIAS_GROWTH} times`,
        hint: "write the hosts out: aliases are for small shared parts, such as <<: *common under each host",
      },
    });
  }
  return problems;
}
