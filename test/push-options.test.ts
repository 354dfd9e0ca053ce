// Options of push and rollback checked before any host is contacted.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { netgen } from "./support/cli.js";

for (const [command, value] of [["push", "100000"], ["push", "1"], ["rollback", "100000"]] as const) {
  test(`${command} --confirm-timeout ${value} is refused with its bounds, before connecting`, () => {
    const args = command === "push" ? ["push", "inventories/prod.yaml", "--yes"] : ["rollback", "fo-gw", "inventories/prod.yaml"];
    const r = netgen([...args, "--confirm-timeout", value], process.cwd());
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`--confirm-timeout ${value}: must be 5 to 900 seconds`));
    assert.not.match(r.stderr, /connecting/);
  });
}

test.run();
