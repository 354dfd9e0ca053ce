// Golden files: every scenario under test/golden renders to exactly its
// committed expected tree (files, modes, symlinks, nothing more).
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderInventory } from "../src/pipeline/pipeline.js";
import { diffTree } from "../src/output/tree.js";
import { GOLDEN_DIR, scenarios } from "./golden/update.js";

test("there are golden scenarios for every strategy and both write-ups", () => {
  const all = scenarios();
  for (const s of ["writeup-failover", "writeup-teql", "ecmp-weights", "balance-rr", "gre-keys", "ipv6-underlay", "systemd-versions", "named-paths"]) assert.ok(all.includes(s), s);
});

for (const scenario of scenarios()) {
  test(`golden: ${scenario}`, () => {
    const dir = join(GOLDEN_DIR, scenario);
    const differences = diffTree(join(dir, "expected"), renderInventory(join(dir, "inventory.yaml")));
    assert.equal(differences, [], `run npm run golden:update and review the diff`);
  });
}

test.run();
