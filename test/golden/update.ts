// npm run golden:update: re-render every scenario's expected tree. Review the
// diff in git before committing it: that diff is the change in output.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { renderInventory, writeTree } from "../../src/pipeline/pipeline.js";

export const GOLDEN_DIR = "test/golden";

export function scenarios(): string[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

if (process.argv[1]?.endsWith("update.js")) {
  for (const scenario of scenarios()) {
    const dir = join(GOLDEN_DIR, scenario);
    writeTree(join(dir, "expected"), renderInventory(join(dir, "inventory.yaml")));
    process.stdout.write(`updated ${dir}/expected\n`);
  }
}
