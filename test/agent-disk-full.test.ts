// Disk full during a switch (a 512 KiB tmpfs holds the scratch host): the
// activation fails, and the rollback converges on the old release and gives
// the room back. Needs root for the mount: run under the heavy lock.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ScratchHost, type Tree } from "./support/scratch-agent.js";
import { isRoot, tierAvailable } from "./support/tier.js";

const R1: Tree = { "etc/netgen/a.nft": "a1\n", "etc/systemd/network/10-netgen-eth-1.network": "[Match]\nName=eth-1\n" };
const R2: Tree = { "etc/netgen/a.nft": "a2\n", "etc/netgen/big.nft": "x".repeat(300 * 1024), "etc/systemd/network/10-netgen-eth-1.network": "[Match]\n" };

if (tierAvailable("disk full on a tmpfs", [isRoot])) {
  test("disk full during a switch: the activation fails and expire converges on the old release", () => {
    const scratch = mkdtempSync(join(tmpdir(), "netgen-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k", "netgen-full", scratch]);
    try {
      const small = new ScratchHost(scratch);
      small.release("r1", R1);
      small.ok("activate", "r1");
      small.release("r2", R2);
      small.ok("arm", "r2", "30");
      const r = small.run(["activate", "r2"]);
      assert.is.not(r.status, 0, "the copy ran out of room");
      assert.match(r.stderr, /No space left/);
      small.ok("expire", "r2");
      assert.equal(small.tree(), R1);
      assert.is(small.link("current"), "r1");
      assert.not.ok(small.has("switching") || small.has("pending"));
      writeFileSync(join(scratch, "probe"), "x".repeat(64 * 1024)); // the partial copy's room came back
    } finally {
      execFileSync("umount", [scratch]);
      rmSync(scratch, { recursive: true, force: true });
    }
  });
} else {
  test("disk full tier skipped", () => {});
}

test.run();
