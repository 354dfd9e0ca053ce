// A planned command as a unit's ExecStart=/ExecStop= value: the one place that
// quotes command lines. systemd splits the value into words itself (no shell):
// a plain word goes as it is; any other is double-quoted, with \ and " escaped,
// $ doubled (variable expansion) and % doubled (specifiers, expanded even in quotes).
import type { Command } from "../plan/model.js";

const PLAIN = /^[A-Za-z0-9_@+=:,./-]+$/;

export function quoteWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `"${word.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\$/g, "$$$$").replace(/%/g, "%%").replace(/\n/g, "\\n")}"`;
}

export function execLine(command: Command): string {
  return `${command.mayFail ? "-" : ""}${command.argv.map(quoteWord).join(" ")}`;
}
