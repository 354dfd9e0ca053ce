// Unified diff of two small text files (LCS over lines), as `diff -u` prints it.

/** A last line without its newline: a different line from the same text with one, as GNU diff sees it. */
const NO_NEWLINE = "\u0000no newline";

function lines(text: string): string[] {
  if (text === "") return [];
  const split = text.split("\n");
  if (split.at(-1) === "") split.pop();
  else split[split.length - 1] += NO_NEWLINE;
  return split;
}

function printed(op: string, line: string): string {
  return line.endsWith(NO_NEWLINE) ? `${op}${line.slice(0, -NO_NEWLINE.length)}\n\\ No newline at end of file` : `${op}${line}`;
}

export function unifiedDiff(before: string, after: string, beforeName: string, afterName: string, context = 3): string {
  const a = lines(before);
  const b = lines(after);
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: { op: " " | "-" | "+"; line: string; ai: number; bi: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ op: " ", line: a[i]!, ai: i++, bi: j++ });
    // Removals before additions, as diff -u prints a changed line.
    else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ op: "-", line: a[i]!, ai: i++, bi: j });
    else ops.push({ op: "+", line: b[j]!, ai: i, bi: j++ });
  }
  const changedAt = ops.map((o, k) => (o.op === " " ? -1 : k)).filter((k) => k >= 0);
  if (changedAt.length === 0) return "";
  const out = [`--- ${beforeName}`, `+++ ${afterName}`];
  let k = 0;
  while (k < changedAt.length) {
    let start = Math.max(0, changedAt[k]! - context);
    let end = Math.min(ops.length, changedAt[k]! + context + 1);
    while (k + 1 < changedAt.length && changedAt[k + 1]! - context <= end) end = Math.min(ops.length, changedAt[++k]! + context + 1);
    k++;
    const hunk = ops.slice(start, end);
    const aStart = hunk[0]!.ai;
    const bStart = hunk[0]!.bi;
    const aLen = hunk.filter((o) => o.op !== "+").length;
    const bLen = hunk.filter((o) => o.op !== "-").length;
    const range = (first: number, length: number) => (length === 1 ? `${first + 1}` : `${length === 0 ? first : first + 1},${length}`);
    out.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@`);
    for (const o of hunk) out.push(printed(o.op, o.line));
    start = end;
  }
  return `${out.join("\n")}\n`;
}
