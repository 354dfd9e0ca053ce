// Problems as people read them (netplan's shape):
//   inventories/prod.yaml:12:19: error: host fo-gw has no uplink 'intra17'
//      12 |       - { fo-gw: intra17, fo-exit: intra16 }
//         |                  ^
//     fix: did you mean 'intra16'?
import type { LocatedProblem } from "../errors.js";

export function formatProblem(p: LocatedProblem): string {
  const lines = [`${p.file}:${p.line}:${p.col}: error: ${p.message}`];
  if (p.sourceLine !== "") {
    const gutter = String(p.line).length;
    const shown = p.sourceLine.length > 160 ? `${p.sourceLine.slice(0, 157)}...` : p.sourceLine;
    const visible = shown.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "?").replace(/\t/g, " ");
    lines.push(`  ${String(p.line)} | ${visible}`);
    lines.push(`  ${" ".repeat(gutter)} | ${" ".repeat(Math.min(p.col - 1, 160))}^`);
  }
  if (p.hint) lines.push(`  fix: ${p.hint}`);
  return lines.join("\n");
}

export function formatProblems(problems: LocatedProblem[]): string {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was written.`;
  return `${problems.map(formatProblem).join("\n\n")}\n\n${count}`;
}
