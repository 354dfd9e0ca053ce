// The fast reader (src/inventory/plain-yaml.ts) against its oracle, the `yaml`
// package as load.ts runs it: on thousands of seeded random YAML texts built
// from tricky pieces (numbers yaml reads differently, indicators, comments,
// quotes, bad indentation, duplicates), whatever the fast reader accepts must
// load through `yaml` without a problem and give the same data, key order
// included. Problems found in a fast-read inventory are reported exactly as
// when `yaml` read it. A failing seed is printed; replay it with NETGEN_SEED=<seed>.
import { readdirSync, readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { syntheticInventory } from "../bench/synthetic.js";
import { InventoryError } from "../src/errors.js";
import { parseInventory, parseWithPositions } from "../src/inventory/load.js";
import { OUTSIDE, readPlainYaml } from "../src/inventory/plain-yaml.js";
import { validateLoaded } from "../src/validate/validate.js";
import { BASE, LAB, WIREGUARD } from "./support/bases.js";

/** The oracle: `yaml` with every check load.ts makes, or the problems it reports. */
function slowRead(text: string): { data: unknown } | { problems: string[] } {
  try {
    return { data: parseWithPositions("t.yaml", text, "").data };
  } catch (error) {
    if (error instanceof InventoryError) return { problems: error.problems.map((p) => p.message) };
    throw error;
  }
}

/** Same values, and the same key order at every level (isDeepStrictEqual ignores order). */
const sameData = (a: unknown, b: unknown) => isDeepStrictEqual(a, b) && JSON.stringify(a) === JSON.stringify(b);

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** What inventories are made of, and (TRICKY) what yaml reads in ways a plain reader could get wrong. */
const SCALARS = ["a", "gw1", "up-0", "10.0.0.1/30", "2001:db8::1/64", "0", "1", "42", "a b", "20mbit", "true", "false", "~", '"q"', "'q'", '"a b"', "x-y.z"];
const TRICKY = [
  "::1", "fe80::1%eth0", "007", "-1", "+5", "1.0", ".5", "1e3", "0x1F", "0o17", ".inf", "-.inf", ".nan", "True", "TRUE", "yes", "no",
  "on", "null", "Null", "a  b", "a: b", "a:b", "a:", "a #b", "a#b", "#c", "'it''s'", '"a\\tb"', '""', "''", '"a\'b"', "'a\"b'", "a,b",
  "[x]", "{}", "[]", "{ a: 1 }", "[1, 2]", "[a, ]", "{ a }", "{ a: }", "@x", "%x", "&a x", "*a", "!t x", "!!str 5", "|", ">", "?", "-x",
  "- x", "-", "__proto__", "toString", "<<", "1234567890123456", "99999999999999", "ssh-ed25519 AAAA", "a=b", "~x", "x~", "+x", "_x",
  "a:,", "[a: b]", "{ a: b: c }", "'", '"',
];
const KEYS = ["a", "b", "gw", "up0", "10.0.0.0/8", "x-y", "x_y", "up.1"];
const TRICKY_KEYS = ["1", "1.0", "007", "true", "null", "__proto__", "constructor", "<<", "a b", '"q"', "-k", "k:", "? k", "&a k", "*a"];

function randomYaml(seed: number): string {
  const r = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const scalar = () => pick(r() < 0.1 ? TRICKY : SCALARS);
  const key = () => pick(r() < 0.05 ? TRICKY_KEYS : KEYS);
  const flow = (depth: number): string => {
    const x = r();
    if (depth > 2 || x < 0.55) return scalar();
    const n = Math.floor(r() * 4);
    // Sometimes broken over lines after a comma, as prod.yaml does (the block writer indents it).
    const comma = () => (r() < 0.1 ? ",\n" : ", ");
    if (x < 0.8) return `{ ${Array.from({ length: n }, () => `${key()}: ${flow(depth + 1)}`).join(comma())} }`;
    return `[${Array.from({ length: n }, () => flow(depth + 1)).join(comma())}]`;
  };
  const lines: string[] = [];
  const block = (indent: number, depth: number, kind: "map" | "seq"): void => {
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      // Mostly right, sometimes one space off: yaml must refuse what the fast reader refuses.
      const pad = " ".repeat(r() < 0.03 ? indent + 1 : indent);
      if (r() < 0.05) lines.push(`${pad}# a comment: with 'quotes' and — non-ASCII`);
      if (r() < 0.03) lines.push("");
      const head = kind === "map" ? `${pad}${key()}:` : `${pad}-`;
      const x = r();
      if (depth < 4 && x < 0.3) {
        lines.push(head);
        const sameIndentList = kind === "map" && r() < 0.3;
        block(sameIndentList ? indent : indent + 2, depth + 1, sameIndentList || r() < 0.4 ? "seq" : "map");
      } else if (kind === "seq" && depth < 4 && x < 0.45) {
        lines.push(`${pad}- ${key()}: ${flow(2)}`); // a mapping that starts on the item's line
        if (r() < 0.7) lines.push(`${pad}  ${key()}: ${flow(2)}`);
      } else if (x < 0.5) {
        lines.push(head);
      } else {
        const comment = r() < 0.1 ? " # why" : "";
        const continued = `\n${pad}${" ".repeat(r() < 0.1 ? 0 : 4)}`;
        lines.push(`${head} ${flow(0).replace(/\n/g, continued)}${comment}`);
      }
    }
  };
  block(0, 0, r() < 0.9 ? "map" : "seq");
  return `${lines.join("\n")}${r() < 0.9 ? "\n" : ""}`;
}

const replay = process.env.NETGEN_SEED;
const SEEDS = replay ? [Number(replay)] : Array.from({ length: Number(process.env.NETGEN_PLAIN_CASES ?? 6000) }, (_, i) => 1 + i);

test(`the fast reader agrees with yaml or leaves the text to it (${SEEDS.length} seeded texts)`, () => {
  let accepted = 0;
  for (const seed of SEEDS) {
    const text = randomYaml(seed);
    const fast = readPlainYaml(text);
    if (fast === OUTSIDE) continue;
    accepted++;
    const slow = slowRead(text);
    if (!("data" in slow)) assert.unreachable(`seed ${seed}: fast read what yaml refuses (${slow.problems.join("; ")}):\n${text}`);
    else if (!sameData(fast, slow.data)) assert.unreachable(`seed ${seed}: different data:\n${text}\nfast ${JSON.stringify(fast)}\nyaml ${JSON.stringify(slow.data)}`);
  }
  // A reader that refused everything would pass the loop: it must take a good share.
  if (process.env.NETGEN_PLAIN_CASES) process.stdout.write(`fast read ${accepted} of ${SEEDS.length}\n`);
  assert.ok(accepted > SEEDS.length / 4 || replay !== undefined, `the fast reader took only ${accepted} of ${SEEDS.length} texts`);
});

test("the inventories in this repository, the tests' bases and the bench's are read fast, to yaml's data", () => {
  const dir = new URL("../../inventories/", import.meta.url);
  const texts = readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => readFileSync(new URL(f, dir), "utf8"));
  for (const text of [...texts, BASE, LAB, WIREGUARD, syntheticInventory(50)]) {
    const fast = readPlainYaml(text);
    assert.ok(fast !== OUTSIDE, `left to yaml:\n${text.slice(0, 300)}`);
    const slow = slowRead(text);
    assert.ok("data" in slow && sameData(fast, slow.data));
  }
});

test("a problem in a fast-read inventory is reported at the same place, in the same words", () => {
  const edits: [string, string][] = [
    ["gateway: 10.0.1.1", "gateway: 10.9.9.9"],
    ["strategy: failover", "strategy: failovr"],
    ["up2: { address: 10.0.2.2/24", "up2: { adress: 10.0.2.2/24"],
    ["exit: { address: 10.42.0.2/24 }", "exot: { address: 10.42.0.2/24 }"],
  ];
  for (const [from, to] of edits) {
    assert.ok(BASE.includes(from), from);
    const text = BASE.replace(from, to);
    assert.ok(readPlainYaml(text) !== OUTSIDE, `${to} was not read fast`);
    const problems = (load: () => ReturnType<typeof parseInventory>) => {
      try {
        validateLoaded(load());
      } catch (error) {
        if (error instanceof InventoryError) return error.problems;
        throw error;
      }
      throw new Error(`${to}: no problem found`);
    };
    const fast = problems(() => parseInventory("t.yaml", text));
    const slow = problems(() => parseWithPositions("t.yaml", text, ""));
    assert.ok(fast.length > 0 && fast.every((p) => p.line > 1), `${to}: located at line 1`);
    assert.equal(fast, slow, to);
  }
});

test.run();
