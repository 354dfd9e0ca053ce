// Problems as people read them (netplan's shape):
//   inventories/prod.yaml:12:19: error: host fo-gw has no uplink 'intra17'
//      12 |       - { fo-gw: intra17, fo-exit: intra16 }
//         |                  ^
//     fix: did you mean 'intra16'?
import type { LocatedProblem } from "../errors.js";
import { type Paint, paintFor } from "../terminal/colour.js";

const PLAIN = paintFor({}, { NO_COLOR: "1" });

/** Control characters from the inventory are shown escaped, never sent to the terminal. */
export function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function formatProblem(p: LocatedProblem, severity: "error" | "warning" = "error", paint: Paint = PLAIN): string {
  const label = severity === "error" ? paint.error("error:") : paint.warning("warning:");
  const lines = [`${visible(p.file)}:${p.line}:${p.col}: ${label} ${visible(p.message)}`];
  if (p.sourceLine !== "") {
    const gutter = String(p.line).length;
    const shown = p.sourceLine.length > 160 ? `${p.sourceLine.slice(0, 157)}...` : p.sourceLine;
    lines.push(`  ${String(p.line)} | ${visible(shown.replace(/\t/g, " "))}`);
    lines.push(`  ${" ".repeat(gutter)} | ${" ".repeat(Math.min(p.col - 1, 160))}^`);
  }
  if (p.hint) lines.push(`  fix: ${visible(p.hint)}`);
  return lines.join("\n");
}

/** A problem for --json: where it is and what to do, without the source line (the file is at hand). */
export function problemJson(p: LocatedProblem): { file: string; line: number; col: number; message: string; hint: string | null } {
  return { file: p.file, line: p.line, col: p.col, message: p.message, hint: p.hint ?? null };
}

export function formatProblems(problems: LocatedProblem[], paint: Paint = PLAIN): string {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was written.`;
  return `${problems.map((p) => formatProblem(p, "error", paint)).join("\n\n")}\n\n${count}`;
}
