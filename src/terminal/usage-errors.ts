// yargs' own failure messages, reworded with a suggestion where a word was
// mistyped. yargs suggests commands itself (recommendCommands) but not flags:
// strict mode only says "Unknown argument: strcit".
import { closest } from "../validate/suggest.js";

export interface UsageContext {
  /** The arguments as typed (without node and the script). */
  argv: readonly string[];
  /** Every command's name. */
  commands: readonly string[];
  /** The options of the command that failed (yargs' usage descriptions at that point). */
  options: readonly string[];
}

export function usageError(message: string, context: UsageContext): string {
  const recommended = /^Did you mean (\S+)\?$/.exec(message);
  if (recommended) {
    const typed = context.argv.find((w) => !w.startsWith("-") && !context.commands.includes(w));
    return `no command '${typed ?? ""}': did you mean '${recommended[1]}'?`;
  }
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (!unknown) {
    // yargs checks positionals before unknown flags: in `validate --strcit FILE` the
    // mistyped flag took FILE as its value, and "not enough arguments" hides the cause.
    const stray = strayFlags(context);
    if (stray.length > 0) return stray.map((word) => unknownWord(word, context)).join("\n");
    const command = context.argv.find((w) => context.commands.includes(w));
    if (command && message.startsWith("Not enough non-option arguments")) return `${command}: an argument is missing (netgen ${command} --help shows them)`;
    return message;
  }
  return unknown[1]!.split(", ").map((word) => unknownWord(word, context)).join("\n");
}

function unknownWord(word: string, { argv, commands, options }: UsageContext): string {
  // yargs strips the dashes: look at what was typed to tell a flag from a stray word.
  const flag = argv.find((a) => a === `-${word}` || a === `--${word}` || a.startsWith(`--${word}=`));
  if (flag !== undefined) {
    const guess = closest(word, options.filter((o) => o.length > 1));
    return `unknown option '${flag.split("=")[0]}'${guess ? `: did you mean '--${guess}'?` : ""}`;
  }
  const guess = closest(word, commands);
  return `unexpected argument '${word}'${guess ? `: did you mean the command '${guess}'?` : ""}`;
}

/** Long flags typed that the failing command does not have (yargs also takes --no-x and --camelCase forms). */
function strayFlags({ argv, options }: UsageContext): string[] {
  const end = argv.indexOf("--");
  const kebab = (word: string) => word.replace(/^no-/, "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return (end < 0 ? argv : argv.slice(0, end))
    .filter((a) => a.startsWith("--") && a.length > 2)
    .map((a) => a.slice(2).split("=")[0]!)
    .filter((word) => !options.includes(word) && !options.includes(kebab(word)));
}
