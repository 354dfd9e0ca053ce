// A re-render keeps each unchanged file (the same inode, hard-linked into the
// new tree) and writes changed and hand-edited files anew.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { netgen } from "./support/cli.js";

test("unchanged files are kept, changed and hand-edited ones written, the tree matches the inventory", () => {
  const work = mkdtempSync(join(tmpdir(), "netgen-rerender-"));
  try {
    mkdirSync(join(work, "inventories"));
    const inventory = join(work, "inventories/prod.yaml");
    cpSync("inventories/prod.yaml", inventory);
    assert.is(netgen(["render", "inventories/prod.yaml"], work).code, 0);
    const tree = join(work, "generated/prod");
    const kept = join(tree, "devicea/etc/systemd/network/10-netgen-teql0.network");
    const edited = join(tree, "devicea/etc/modules-load.d/netgen.conf");
    const before = { kept: statSync(kept).ino, edited: statSync(edited).ino };
    const original = readFileSync(edited, "utf8");
    writeFileSync(edited, `${original}# edited by hand\n`);
    const r = netgen(["render", "inventories/prod.yaml"], work);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /devicea\s+.*\(1 change\)/);
    assert.is(statSync(kept).ino, before.kept, "an unchanged file is linked, not written");
    assert.is(statSync(kept).nlink, 1, "the previous tree is gone");
    assert.is.not(statSync(edited).ino, before.edited);
    assert.is(readFileSync(edited, "utf8"), original);
    assert.is(netgen(["render", "inventories/prod.yaml", "--check"], work).code, 0);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
