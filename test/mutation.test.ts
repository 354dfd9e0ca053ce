// Valid inventories broken at random: every case ends in a clear error with a
// line number (or stays valid and renders), never a crash. One case of each
// kind also runs through the CLI with bounded time and memory: exit 1, a
// file:line:col error, no stack trace, nothing written.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InventoryError } from "../src/errors.js";
import { planInventory } from "../src/plan/plan.js";
import { renderHost } from "../src/render/render-host.js";
import { validateText } from "../src/pipeline/pipeline.js";
import { CLI } from "./support/cli.js";
import { fakeKeys, prng, randomInventory } from "./support/generate.js";

type Mutation = (text: string, rnd: () => number) => string;
const pick = <T>(list: readonly T[], rnd: () => number): T => list[Math.floor(rnd() * list.length)]!;
const lines = (t: string) => t.split("\n");
const onLine = (t: string, rnd: () => number, test: (l: string) => boolean, change: (l: string) => string) => {
  const all = lines(t);
  const candidates = all.map((l, i) => (test(l) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return t;
  const i = pick(candidates, rnd);
  all[i] = change(all[i]!);
  return all.join("\n");
};

const MUTATIONS: Record<string, Mutation> = {
  "drop a key": (t, r) => {
    const all = lines(t);
    all.splice(1 + Math.floor(r() * (all.length - 1)), 1);
    return all.join("\n");
  },
  "wrong type": (t, r) => onLine(t, r, (l) => /: \S/.test(l), (l) => l.replace(/: (\S.*)$/, `: ${pick(["[1, 2]", "{ a: 1 }", "true", "42", "null", '""'], r)}`)),
  "bad address": (t, r) => onLine(t, r, (l) => /\d+\.\d+\.\d+\.\d+\/\d+/.test(l), (l) => l.replace(/\d+\.\d+\.\d+\.\d+\/\d+/, pick(["10.0.0.300/24", "1.2.3.4/33", "::g/64", "10.0.0.1", "10.0.0.1/24/1", "0x0a.0.0.1/8"], r))),
  "dangling reference": (t, r) => onLine(t, r, (l) => /^\s+- \{/.test(l), (l) => l.replace(/: ([A-Za-z0-9_.-]+)/, ": nosuch0")),
  "duplicate name": (t, r) => {
    const all = lines(t);
    const hostLines = all.map((l, i) => (/^ {2}\S.*:$/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (hostLines.length < 2) return t;
    const [a, b] = [pick(hostLines, r), pick(hostLines, r)];
    all[b] = all[a]!;
    return all.join("\n");
  },
  "very long name": (t, r) => onLine(t, r, (l) => /^ {2,6}[a-z0-9][\w.-]*:/.test(l), (l) => l.replace(/^( +)[^:]+:/, `$1${"x".repeat(200 + Math.floor(r() * 5000))}:`)),
  "unicode name": (t, r) => onLine(t, r, (l) => /^ {2,6}[a-z0-9][\w.-]*:/.test(l), (l) => l.replace(/^( +)([^:]+):/, `$1$2${pick(["ö", "\u202e", "\u0430", "🙂", "\ufeff"], r)}:`)),
  "control character": (t, r) => {
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + pick(["\u0000", "\u0007", "\r", "\u001b[31m", "\t", "\u0085"], r) + t.slice(at);
  },
  // issue 14: inventories that validated and rendered into a broken gateway, or cost without bound
  "an address copied onto another": (t, r) => {
    const all = lines(t);
    const at = all.map((l, i) => (/\d+\.\d+\.\d+\.\d+\/\d+/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (at.length < 2) return t;
    const from = /\d+\.\d+\.\d+\.\d+\/\d+/.exec(all[pick(at, r)]!)![0];
    const i = pick(at, r);
    all[i] = all[i]!.replace(/\d+\.\d+\.\d+\.\d+\/\d+/, from);
    return all.join("\n");
  },
  "special-purpose address": (t, r) =>
    onLine(t, r, (l) => /address: \d+\.\d+\.\d+\.\d+\/\d+/.test(l), (l) =>
      l.replace(/address: \d+\.\d+\.\d+\.\d+\/\d+/, `address: ${pick(["0.0.0.0/32", "255.255.255.255/32", "127.0.0.2/8", "224.0.0.5/24", "240.0.0.5/24", '"::1/128"', '"ff02::5/64"', '"::/128"', '"::ffff:a00:2/120"', "10.0.0.1/1", "10.0.0.1/0"], r)}`)),
  "default route smuggled into routes": (t, r) => onLine(t, r, (l) => /routes: \[/.test(l), (l) => l.replace("routes: [", `routes: [${pick(["0.0.0.0/0", '"::/0"'], r)}, `)),
  "rate tc cannot shape": (t, r) => onLine(t, r, (l) => /(egress|ingress): \w+/.test(l), (l) => l.replace(/(egress|ingress): \w+/, `$1: ${pick(["1bit", "7bit", "5gbit", "999999999gbit"], r)}`)),
  "sysctl keyword as a name": (t, r) => {
    const all = lines(t);
    // The keys directly under an `uplinks:` block.
    const keys: number[] = [];
    let block: number | undefined;
    all.forEach((l, i) => {
      const indent = l.search(/\S/);
      if (/^\s+uplinks:\s*$/.test(l)) block = indent;
      else if (block !== undefined && indent >= 0 && indent <= block && !/^\s*#/.test(l)) block = undefined;
      else if (block !== undefined && indent === block + 2 && /^\s+[a-z0-9][\w.-]*:/.test(l)) keys.push(i);
    });
    if (keys.length === 0) return t;
    const i = pick(keys, r);
    all[i] = all[i]!.replace(/^(\s+)[^:]+:/, `$1${pick(["all", "default", "lo"], r)}:`);
    return all.join("\n");
  },
  "too many paths": (t, r) => onLine(t, r, (l) => /^\s+- \{/.test(l), (l) => Array(17 + Math.floor(r() * 100)).fill(l).join("\n")),
  "unknown tag": (t, r) => onLine(t, r, (l) => /^\s+[\w-]+: [\w.]+$/.test(l), (l) => l.replace(/: /, `: ${pick(["!foo ", "!!binary ", "!!set ", "!<tag:x> "], r)}`)),
  "infinite number": (t, r) => onLine(t, r, (l) => /^\s+[\w-]+: [\w.]+$/.test(l), (l) => l.replace(/: .*$/, `: ${pick(["1e999", ".inf", "-.inf", ".nan"], r)}`)),
  "collection as a key": (t, r) => `${t}${pick(["? [a, b]\n: 1\n", "? { a: 1 }\n: 2\n"], r)}`,
  "aliases that expand past the bound": (t, r) =>
    `${t}x-a: &xa [${Array(200).fill("a").join(", ")}]\nx-b: &xb [${Array(100).fill("*xa").join(", ")}]\nx-c: [${Array(51 + Math.floor(r() * 40)).fill("*xb").join(", ")}]\n`,
  "huge value": (t, r) => onLine(t, r, (l) => /: \S/.test(l), (l) => l.replace(/: (\S.*)$/, `: ${"x".repeat(100_000 + Math.floor(r() * 1_000_000))}`)),
  "anchors, aliases and merge keys": (t) =>
    t.replace("netgen: 1\n", "netgen: 1\nx-common: &common { systemd: 255 }\n").replace(/^( {2}[a-z0-9][a-z0-9-]*:)\n/m, "$1\n    <<: *common\n"),
};

const SOURCES = () => [
  readFileSync("inventories/prod.yaml", "utf8"),
  readFileSync("inventories/ecmp.yaml", "utf8"),
  readFileSync("test/golden/gre-keys/inventory.yaml", "utf8"),
  ...Array.from({ length: 5 }, (_, i) => randomInventory(5000 + i)),
];

test("300 random mutations: a located error or a clean render, never a crash", () => {
  const failures: string[] = [];
  const sources = SOURCES();
  const rnd = prng(42);
  const kinds = Object.keys(MUTATIONS);
  const counts = { invalid: 0, valid: 0 };
  for (let i = 0; i < 300; i++) {
    const kind = kinds[i % kinds.length]!;
    const text = MUTATIONS[kind]!(pick(sources, rnd), rnd);
    const start = Date.now();
    try {
      const inventory = validateText("mutated.yaml", text);
      fakeKeys(inventory); // the keys file itself: wireguard-render.test
      planInventory(inventory).map(renderHost);
      counts.valid++;
    } catch (error) {
      if (!(error instanceof InventoryError)) failures.push(`case ${i} (${kind}): ${(error as Error).stack}`);
      else if (error.problems.length === 0 || error.problems.some((p) => !(p.line >= 1 && p.col >= 1))) failures.push(`case ${i} (${kind}): a problem without a position`);
      else counts.invalid++;
    }
    if (Date.now() - start > 2000) failures.push(`case ${i} (${kind}): took ${Date.now() - start} ms`);
  }
  assert.equal(failures, []);
  assert.ok(counts.invalid > 200, `only ${counts.invalid} mutations were caught`);
});

/** The issue-14 kinds and the rule that must catch each of them, every time. */
const CAUGHT_BY: Record<string, RegExp> = {
  "special-purpose address": /cannot be the address of|on-link/,
  "default route smuggled into routes": /is a default route/,
  "rate tc cannot shape": /below 8bit|above 4gbit/,
  "sysctl keyword as a name": /cannot name a device/,
  "too many paths": /paths has \d+ entries; netgen takes at most 16/,
  "unknown tag": /YAML: unknown tag/,
  "infinite number": /YAML: \S+ is (infinite|not a number)/,
  "collection as a key": /YAML: a key that is a list or a mapping/,
  "aliases that expand past the bound": /expands to more than 1,000,000 YAML nodes/,
};

test("each issue-14 kind is refused by its own rule, with short messages", () => {
  const rnd = prng(14);
  const failures: string[] = [];
  for (const source of SOURCES().slice(0, 2)) {
    for (const [kind, rule] of Object.entries(CAUGHT_BY)) {
      for (let i = 0; i < 5; i++) {
        const text = MUTATIONS[kind]!(source, rnd);
        let messages: string[] = [];
        try {
          validateText("mutated.yaml", text);
        } catch (error) {
          if (!(error instanceof InventoryError)) throw error;
          messages = error.problems.map((p) => `${p.message} | ${p.hint ?? ""}`);
        }
        if (!messages.some((m) => rule.test(m))) failures.push(`${kind}: no problem matches ${rule}: ${messages.join("; ").slice(0, 300) || "(valid)"}`);
      }
    }
  }
  for (let i = 0; i < 5; i++) {
    try {
      validateText("mutated.yaml", MUTATIONS["huge value"]!(SOURCES()[0]!, rnd));
    } catch (error) {
      if (!(error instanceof InventoryError)) throw error;
      for (const p of error.problems) if (p.message.length + (p.hint ?? "").length > 2000) failures.push(`huge value: a message of ${p.message.length} characters`);
    }
  }
  assert.equal(failures, []);
});

const BOMB = `netgen: 1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
hosts: *i
`;

test("each kind through the CLI: exit 1, file:line:col, no stack trace, nothing written, bounded time and memory", () => {
  const work = mkdtempSync(join(tmpdir(), "netgen-mutation-"));
  try {
    const rnd = prng(7);
    const source = readFileSync("inventories/prod.yaml", "utf8");
    const cases: [string, string][] = Object.entries(MUTATIONS).filter(([k]) => !["drop a key", "anchors, aliases and merge keys"].includes(k)).map(([k, m]) => {
      for (;;) {
        const text = m(source, rnd);
        try {
          validateText("x.yaml", text);
        } catch {
          return [k, text];
        }
      }
    });
    cases.push(["billion laughs", BOMB], ["50 MB file", `netgen: 1\n# ${"x".repeat(50 * 1024 * 1024)}\n`]);
    for (const [kind, text] of cases) {
      writeFileSync(join(work, "case.yaml"), text);
      const start = Date.now();
      const r = spawnSync(process.execPath, ["--max-old-space-size=256", CLI, "render", "case.yaml"], { cwd: work, encoding: "utf8", timeout: 20000 });
      const took = Date.now() - start;
      assert.is(r.status, 1, `${kind}: exit ${r.status} ${r.signal ?? ""}\n${r.stderr.slice(0, 2000)}`);
      assert.match(r.stderr, /^case\.yaml:\d+:\d+: error: /m, kind);
      assert.not.match(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `${kind}: a stack trace`);
      assert.not.match(r.stderr, /\(node:\d+\) \w*Warning/, `${kind}: a warning of Node's own reached stderr`);
      assert.not.ok(existsSync(join(work, "generated")), `${kind}: something was written`);
      assert.not.match(r.stderr, /[\x00-\x09\x0b-\x1f\x7f]/, `${kind}: a raw control character reached the terminal`);
      assert.ok(took < 15000, `${kind}: took ${took} ms`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
