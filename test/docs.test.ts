// The README and docs/ against the real tool: every whole inventory in them is
// validated by `netgen validate`, every `$ npx netgen validate` example prints
// what the command prints today, docs/inventory.md's key table matches
// `netgen schema`, and every relative link points at a file that exists.
//
// Markers, an HTML comment on the line right before a ```yaml fence:
//   <!-- invalid: MESSAGE -->  the inventory must fail, and the output must contain MESSAGE
//   <!-- planned -->           keys of the next round: it must still fail as unknown keys
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { netgen } from "./support/cli.js";
import { fences, headingAnchors, links, type Fence } from "./support/markdown.js";
import { normalizeDocumentedKey, schemaKeyPaths } from "./support/schema-keys.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const DOCUMENTS = ["README.md", ...readdirSync(join(REPO, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
const read = (path: string) => readFileSync(join(REPO, path), "utf8");
const isWholeInventory = (body: string) => /^netgen:\s*1\b/m.test(body) || /^hosts:/m.test(body);

let scratch = "";
test.before(() => void (scratch = mkdtempSync(join(tmpdir(), "netgen-docs-"))));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

/** Validate one fenced inventory as a file of its own; the file is named after where it came from. */
function validate(document: string, fence: Fence): { code: number; output: string } {
  const file = join(scratch, `${document.replace(/\W/g, "-")}-line-${fence.line}.yaml`);
  writeFileSync(file, fence.body + "\n");
  const r = netgen(["validate", file], REPO);
  return { code: r.code, output: r.stdout + r.stderr };
}

test("every whole inventory in the README and docs/ passes netgen validate, unless marked", () => {
  const checked: Record<string, number> = {};
  for (const document of DOCUMENTS) {
    for (const fence of fences(read(document)).filter((f) => f.lang === "yaml")) {
      const where = `${document}:${fence.line}`;
      assert.not.throws(() => parseAllDocuments(fence.body).forEach((d) => { if (d.errors.length) throw d.errors[0]; }), `${where}: not valid YAML`);
      if (!isWholeInventory(fence.body)) continue;
      const r = validate(document, fence);
      const marker = fence.marker ?? "";
      const invalid = /^invalid:\s*(.+)$/.exec(marker);
      if (marker === "") assert.is(r.code, 0, `${where}: this example fails netgen validate:\n${r.output}`);
      else if (invalid) {
        assert.is(r.code, 1, `${where}: marked invalid, but netgen validate accepts it`);
        assert.ok(r.output.includes(invalid[1]!), `${where}: expected "${invalid[1]}" in:\n${r.output}`);
      } else if (marker === "planned") {
        assert.is(r.code, 1, `${where}: marked planned, but netgen validate accepts it: drop the <!-- planned --> marker`);
        assert.match(r.output, /unknown key/, `${where}: marked planned, but no key in it is unknown any more:\n${r.output}`);
      } else assert.unreachable(`${where}: unknown marker <!-- ${marker} --> (use "invalid: MESSAGE" or "planned")`);
      checked[document] = (checked[document] ?? 0) + 1;
    }
  }
  // The examples this test exists for: a pass that checked none proves nothing.
  assert.ok((checked["README.md"] ?? 0) >= 1, `no inventory checked in README.md: ${JSON.stringify(checked)}`);
  assert.ok((checked["docs/inventory.md"] ?? 0) >= 3, `fewer than 3 inventories checked in docs/inventory.md: ${JSON.stringify(checked)}`);
});

test("every `$ npx netgen validate FILE` example prints exactly what the command prints", () => {
  let examples = 0;
  for (const document of DOCUMENTS) {
    for (const fence of fences(read(document))) {
      const [command, ...shown] = fence.body.split("\n");
      const file = /^\$ npx netgen validate (\S+)$/.exec(command ?? "")?.[1];
      if (file === undefined) continue;
      assert.not.ok(shown.some((l) => l.startsWith("$ ")), `${document}:${fence.line}: one command per example, so its output can be checked`);
      const r = netgen(["validate", file], REPO);
      assert.fixture((r.stdout + r.stderr).trimEnd(), shown.join("\n").trimEnd(), `${document}:${fence.line}`);
      examples++;
    }
  }
  assert.ok(examples >= 2, `expected the README's valid and invalid examples, found ${examples}`);
});

/** The lines of the README's example that follow its `$ COMMAND` line, up to the next `$ ` line. */
function shownOutput(command: string): string[] {
  for (const fence of fences(read("README.md"))) {
    const lines = fence.body.split("\n");
    const at = lines.indexOf(`$ ${command}`);
    if (at < 0) continue;
    const end = lines.findIndex((l, i) => i > at && l.startsWith("$ "));
    return lines.slice(at + 1, end < 0 ? undefined : end);
  }
  throw new Error(`README.md shows no "$ ${command}"`);
}

test("the README's tour: the render after its edit prints what it shows, and its diff hunk is real", () => {
  const work = join(scratch, "tour");
  mkdirSync(join(work, "generated"), { recursive: true });
  cpSync(join(REPO, "inventories"), join(work, "inventories"), { recursive: true });
  // verbatimSymlinks: by default cpSync makes relative symlinks absolute, and render would rewrite them.
  cpSync(join(REPO, "generated/prod"), join(work, "generated/prod"), { recursive: true, verbatimSymlinks: true });
  const inventory = join(work, "inventories/prod.yaml");
  const before = readFileSync(inventory, "utf8");
  assert.ok(read("README.md").includes("from `100ms` to\n`200ms`"), "the README no longer describes the edit this test makes");
  writeFileSync(inventory, before.replace("monitor: { interval: 100ms", "monitor: { interval: 200ms"));
  const r = netgen(["render", "inventories/prod.yaml"], work);
  assert.is(r.code, 0, r.stderr);
  assert.fixture(r.stdout.trimEnd(), shownOutput("npx netgen render inventories/prod.yaml").join("\n").trimEnd());
  // The hunk's context and '-' lines are the committed file, its context and '+' lines the new one.
  const netdev = "prod/fo-gw/etc/systemd/network/10-netgen-bond-15-16.netdev";
  const hunk = shownOutput("git diff generated/prod/fo-gw");
  assert.ok(hunk.includes(`+++ b/generated/${netdev}`), "the README's diff is not of the bond's netdev");
  const body = hunk.slice(hunk.findIndex((l) => l.startsWith("@@")) + 1);
  const side = (drop: string) => body.filter((l) => !l.startsWith(drop)).map((l) => l.slice(1)).join("\n");
  assert.ok(read(`generated/${netdev}`).includes(side("+")), "the README's diff: its old side is not in the committed file");
  assert.ok(readFileSync(join(work, "generated", netdev), "utf8").includes(side("-")), "the README's diff: its new side is not what render wrote");
});

/** Rows of docs/inventory.md's key table: | `key` | implemented/planned | meaning | */
function documentedKeys(): Map<string, "implemented" | "planned"> {
  const rows = new Map<string, "implemented" | "planned">();
  for (const m of read("docs/inventory.md").matchAll(/^\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|/gm)) {
    const [, key, status] = m;
    if (status !== "implemented" && status !== "planned") continue; // another table's row
    const path = normalizeDocumentedKey(key!);
    assert.not.ok(rows.has(path), `docs/inventory.md lists ${key} twice`);
    rows.set(path, status);
  }
  return rows;
}

test("docs/inventory.md documents every key of netgen schema, and only those as implemented", () => {
  const r = netgen(["schema"], REPO);
  assert.is(r.code, 0, r.stderr);
  const declared = schemaKeyPaths(JSON.parse(r.stdout));
  const documented = documentedKeys();
  assert.ok(declared.size >= 20, `the schema walk found only ${declared.size} keys`);
  assert.ok(declared.has("bundles.*.paths[].primary") && declared.has("hosts.*.uplinks.*.shape.egress"), "the schema walk misses nested keys");
  const undocumented = [...declared].filter((k) => !documented.has(k));
  assert.equal(undocumented, [], `keys netgen schema declares but docs/inventory.md does not list: ${undocumented.join(", ")}`);
  const notInSchema = [...documented].filter(([k, s]) => s === "implemented" && !declared.has(k)).map(([k]) => k);
  assert.equal(notInSchema, [], `keys docs/inventory.md calls implemented that netgen schema lacks: ${notInSchema.join(", ")}`);
  const landed = [...documented].filter(([k, s]) => s === "planned" && declared.has(k)).map(([k]) => k);
  assert.equal(landed, [], `planned keys that netgen schema now declares: mark them implemented in docs/inventory.md: ${landed.join(", ")}`);
});

test("every relative link in the README and docs/ points at a file (and heading) that exists", () => {
  let checked = 0;
  for (const document of DOCUMENTS) {
    const text = read(document);
    for (const link of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) continue; // https:, mailto:
      const [path, anchor] = link.target.split("#", 2) as [string, string | undefined];
      const target = path === "" ? document : relative(REPO, join(REPO, dirname(document), path));
      const where = `${document}:${link.line}: ${link.target}`;
      assert.ok(existsSync(join(REPO, target)), `${where}: no such file`);
      if (anchor !== undefined && target.endsWith(".md")) assert.ok(headingAnchors(read(target)).has(anchor), `${where}: no such heading in ${target}`);
      checked++;
    }
  }
  assert.ok(checked >= 10, `only ${checked} links found`);
});

test.run();
