// The unified diff that `netgen diff` prints, checked against GNU diff -u.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { unifiedDiff } from "../src/push/unified-diff.js";

const CASES: [string, string][] = [
  ["a\nb\nc\n", "a\nB\nc\n"],
  ["", "new\nfile\n"],
  ["gone\n", ""],
  [Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n") + "\n", Array.from({ length: 30 }, (_, i) => (i === 3 || i === 25 ? `changed ${i}` : `line ${i}`)).join("\n") + "\n"],
  ["x\ny\nz\n", "y\nz\nw\n"],
  // The trailing newline alone changes: GNU diff shows it with "\ No newline at end of file".
  ["a\nb\n", "a\nb"],
  ["a\nb", "a\nb\n"],
  ["a\nb", "a\nc"],
  ["one\n", "one"],
  ["", "no newline"],
  ["no newline", ""],
  ["x\n1\n2\n3\n4\n5\nend", "y\n1\n2\n3\n4\n5\nend"],
  ["1\n2\n3\nend", "0\n1\n2\n3\nend"],
];

test("unifiedDiff prints what diff -u prints", () => {
  const dir = mkdtempSync(join(tmpdir(), "netgen-diff-"));
  try {
    for (const [before, after] of CASES) {
      writeFileSync(join(dir, "a"), before);
      writeFileSync(join(dir, "b"), after);
      let expected = "";
      try {
        execFileSync("diff", ["-u", "--label", "A", "--label", "B", join(dir, "a"), join(dir, "b")], { encoding: "utf8" });
      } catch (error) {
        expected = (error as { stdout: string }).stdout;
      }
      assert.is(unifiedDiff(before, after, "A", "B"), expected, JSON.stringify([before, after]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
