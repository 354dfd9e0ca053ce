// One benchmark run in a fresh process (so peak memory is this size's own), on
// a synthetic inventory of N hosts:
//   memory: load, validate, plan and render in this process, nothing written;
//   fresh:  `netgen render` (the CLI users run, its own process) into an empty folder;
//   floor:  the same files, same contents, created by a bare loop (what writing them costs at least),
//           next to each fresh render (the two take turns, twice, each going first once);
//   again:  `netgen render` over that tree after a few hosts changed in the inventory.
// With `steps` after N, in a fresh process of its own instead: the steps of the
// in-memory part timed one by one (load, validate, plan and templates), and
// beside the load two figures: what the yaml package alone takes to parse the
// file and convert it (the floor of any load with positions; the better of two
// runs), and a peer, js-yaml, reading the same file into the same data without
// keeping positions.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import jsYaml from "js-yaml";
import { LineCounter, parseDocument } from "yaml";
import { type LoadedInventory, loadInventory, PARSE_OPTIONS, TO_JS_OPTIONS } from "../src/inventory/load.js";
import { type RenderedTree, renderHosts, renderInventory } from "../src/pipeline/pipeline.js";
import { validateLoaded } from "../src/validate/validate.js";
import { editSomeHosts, syntheticInventory } from "./synthetic.js";

const CLI = fileURLToPath(new URL("../src/netgen.js", import.meta.url)); // the bundle users run
const hosts = Number(process.argv[2]);
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
/**
 * The fresh render and the floor take turns, this many times each: this disk's
 * write speed moves by 2-3.5x from one minute to the next (docs/benchmarks.md),
 * so each render is compared with a floor written next to it, the two in
 * turn going first, with the disk flushed (sync) before each.
 */
const PAIRS = 2;

/** `netgen render FILE -o OUT`, timed from spawn to exit; its summary is checked, not printed. */
function netgenRender(file: string, out: string): { ms: number; summary: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, "render", file, "-o", out], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const ms = since(start);
  if (r.status !== 0) throw new Error(`netgen render failed (${r.status}): ${r.stderr}`);
  return { ms, summary: r.stdout };
}

/**
 * The peer reads the file as the load does. Its data leaves as one string to
 * compare, so no object of it is live while the load is timed.
 */
function peerRead(file: string): { peer: string; peerMs: number } {
  const start = process.hrtime.bigint();
  const data: unknown = jsYaml.load(readFileSync(file, "utf8"), { schema: jsYaml.CORE_SCHEMA });
  const peerMs = since(start);
  return { peer: JSON.stringify(data), peerMs };
}

/** The yaml package alone, as the load calls it: the syntax tree with positions, then the plain data. */
function yamlAlone(file: string): number {
  const start = process.hrtime.bigint();
  parseDocument(readFileSync(file, "utf8"), { lineCounter: new LineCounter(), ...PARSE_OPTIONS }).toJS(TO_JS_OPTIONS);
  return since(start);
}

/** renderInventory's steps, each timed (the key file it also reads is absent here). */
function steps(file: string): Record<string, number> {
  const { peer, peerMs } = peerRead(file);
  // The yaml package alone and the load take turns, twice; the better of each
  // (the first turn also warms the code up). The first load's data is garbage
  // before the second turn starts.
  const yamlRuns: number[] = [];
  const loadRuns: number[] = [];
  let loaded: LoadedInventory | undefined;
  for (let turn = 0; turn < 2; turn++) {
    loaded = undefined;
    yamlRuns.push(yamlAlone(file));
    const started = process.hrtime.bigint();
    loaded = loadInventory(file);
    loadRuns.push(since(started));
  }
  if (loaded === undefined) throw new Error("unreachable: the load ran");
  const [yamlMs, loadMs] = [Math.min(...yamlRuns), Math.min(...loadRuns)];
  if (peer !== JSON.stringify(loaded.data)) throw new Error("js-yaml read the inventory into other data than yaml: the peer figure would not compare");
  let start = process.hrtime.bigint();
  const inventory = validateLoaded(loaded);
  const validateMs = since(start);
  start = process.hrtime.bigint();
  const files = renderHosts(inventory).reduce((n, h) => n + h.entries.length, 0);
  const planMs = since(start);
  return { hosts, files, loadMs, yamlMs, peerMs, validateMs, planMs };
}

// Written where users write generated/: inside the project (on these machines
// file creation under /tmp is about ten times slower than on the project's disk).
mkdirSync(".bench", { recursive: true });
const dir = mkdtempSync(join(".bench", "render-"));
try {
  const file = join(dir, "synthetic.yaml");
  writeFileSync(file, syntheticInventory(hosts));
  process.stdout.write(`${JSON.stringify(process.argv[3] === "steps" ? steps(file) : whole(file, dir))}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** In memory as the CLI does it, then the CLI itself (fresh, taking turns with the floor, then again). */
function whole(file: string, dir: string): Record<string, number | number[]> {
  const memoryStart = process.hrtime.bigint();
  const tree = renderInventory(file);
  const memoryMs = since(memoryStart);
  const files = tree.hosts.reduce((n, h) => n + h.entries.length, 0);

  const out = join(dir, "out");
  const floorDir = join(dir, "floor");
  const freshRuns: number[] = [];
  const floorRuns: number[] = [];
  const render = () => {
    flushDisk();
    const fresh = netgenRender(file, out);
    const freshNew = fresh.summary.split("\n").filter((l) => l.endsWith("(new)")).length;
    if (freshNew !== hosts) throw new Error(`fresh render reported ${freshNew} new hosts of ${hosts}`);
    freshRuns.push(fresh.ms);
  };
  const floor = () => {
    flushDisk();
    floorRuns.push(writeFloor(tree, floorDir));
  };
  for (let pair = 0; pair < PAIRS; pair++) {
    rmSync(out, { recursive: true, force: true });
    rmSync(floorDir, { recursive: true, force: true });
    if (pair % 2 === 0) render(), floor();
    else floor(), render();
  }
  flushDisk();

  const edited = editSomeHosts(readFileSync(file, "utf8"));
  writeFileSync(file, edited.text);
  const again = netgenRender(file, out);
  const changed = again.summary.split("\n").filter((l) => /\(\d+ changes?\)$/.test(l)).length;
  if (changed !== edited.hosts) throw new Error(`re-render reported ${changed} changed hosts, ${edited.hosts} were edited`);

  const peakMiB = process.resourceUsage().maxRSS / 1024;
  const mean = (runs: number[]) => runs.reduce((a, b) => a + b, 0) / runs.length;
  return {
    hosts, files, memoryMs, freshMs: mean(freshRuns), againMs: again.ms, changedHosts: changed, floorMs: mean(floorRuns),
    pairRatios: freshRuns.map((ms, i) => ms / floorRuns[i]!), peakMiB,
  };
}

/** Pages written (and files removed) before are on disk: the next timed step does not pay for them. */
function flushDisk(): void {
  const r = spawnSync("sync");
  if (r.status !== 0) throw new Error(`sync failed: ${r.error?.message ?? r.status}`);
}

/** The same files, same contents, created by a bare loop: what writing them costs at least (ms). */
function writeFloor(tree: RenderedTree, floorDir: string): number {
  const start = process.hrtime.bigint();
  for (const h of tree.hosts) {
    for (const e of h.entries) {
      const path = join(floorDir, h.host, e.path);
      mkdirSync(dirname(path), { recursive: true });
      if (e.kind === "file") writeFileSync(path, e.content);
      else symlinkSync(e.target, path);
    }
  }
  return since(start);
}
