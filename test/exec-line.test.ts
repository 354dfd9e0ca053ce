// ExecStart= lines from planned commands: plain words as they are, anything
// else quoted so that systemd hands the program the same argv.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execLine, quoteWord } from "../src/render/exec-line.js";

test("plain words and the may-fail prefix", () => {
  assert.is(execLine({ argv: ["/sbin/tc", "qdisc", "replace", "dev", "up0", "parent", "1:1", "handle", "10:", "fq_codel"], mayFail: true }), "-/sbin/tc qdisc replace dev up0 parent 1:1 handle 10: fq_codel");
  assert.is(execLine({ argv: ["/sbin/ip", "link", "set", "dev", "teql0", "up"], mayFail: false }), "/sbin/ip link set dev teql0 up");
});

test("a word systemd would split or expand is quoted", () => {
  const cases: [string, string][] = [
    ["two words", '"two words"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["$HOME", '"$$HOME"'],
    ["50%", '"50%%"'],
    ["", '""'],
  ];
  for (const [word, quoted] of cases) assert.is(quoteWord(word), quoted, word);
});

test.run();
