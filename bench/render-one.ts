// One benchmark run in a fresh process (so peak memory is this size's own):
// render a synthetic inventory of N hosts to a temporary folder.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { renderInventory, writeTree } from "../src/pipeline/pipeline.js";
import { syntheticInventory } from "./synthetic.js";

const hosts = Number(process.argv[2]);
// Written where users write generated/: inside the project (on these machines
// file creation under /tmp is about ten times slower than on the project's disk).
mkdirSync(".bench", { recursive: true });
const dir = mkdtempSync(join(".bench", "render-"));
try {
  const file = join(dir, "synthetic.yaml");
  writeFileSync(file, syntheticInventory(hosts));
  const start = process.hrtime.bigint();
  const tree = renderInventory(file);
  const rendered = process.hrtime.bigint();
  writeTree(join(dir, "out"), tree);
  const written = process.hrtime.bigint();
  const files = tree.hosts.reduce((n, h) => n + h.entries.length, 0);
  // The floor for the write: the same files, same contents, created by a bare loop.
  const floorStart = process.hrtime.bigint();
  const floorDir = join(dir, "floor");
  for (const h of tree.hosts) {
    for (const e of h.entries) {
      const path = join(floorDir, h.host, e.path);
      mkdirSync(dirname(path), { recursive: true });
      if (e.kind === "file") writeFileSync(path, e.content);
      else symlinkSync(e.target, path);
    }
  }
  const floorMs = Number(process.hrtime.bigint() - floorStart) / 1e6;
  const renderMs = Number(rendered - start) / 1e6;
  const writeMs = Number(written - rendered) / 1e6;
  process.stdout.write(`${JSON.stringify({ hosts, files, renderMs, writeMs, floorMs, totalMs: renderMs + writeMs, peakMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
