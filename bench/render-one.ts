// One benchmark run in a fresh process (so peak memory is this size's own):
// render a synthetic inventory of N hosts to a temporary folder.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderInventory } from "../src/commands/render.js";
import { writeTree } from "../src/output/tree.js";
import { syntheticInventory } from "./synthetic.js";

const hosts = Number(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), "netgen-bench-"));
try {
  const file = join(dir, "synthetic.yaml");
  writeFileSync(file, syntheticInventory(hosts));
  const start = process.hrtime.bigint();
  const tree = renderInventory(file);
  const rendered = process.hrtime.bigint();
  writeTree(join(dir, "out"), tree);
  const written = process.hrtime.bigint();
  const files = tree.hosts.reduce((n, h) => n + h.entries.length, 0);
  process.stdout.write(
    `${JSON.stringify({ hosts, files, renderMs: Number(rendered - start) / 1e6, totalMs: Number(written - start) / 1e6, peakMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
