// Colour on a terminal only. Off when NO_COLOR is set to anything but the empty
// string (https://no-color.org), when the stream is not a terminal, or when
// TERM is dumb. FORCE_COLOR as Node and chalk read it: set (even empty) turns
// colour on for a pipe or file, "0" or "false" turns it off on a terminal.
// NO_COLOR wins over FORCE_COLOR: a user who asked for none gets none.

export interface Paint {
  error(text: string): string;
  warning(text: string): string;
  ok(text: string): string;
}

const sgr = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[39m`;
const COLOURS: Paint = { error: sgr(31), warning: sgr(33), ok: sgr(32) };
const PLAIN: Paint = { error: (t) => t, warning: (t) => t, ok: (t) => t };

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}

export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Paint {
  return colourWanted(stream, env) ? COLOURS : PLAIN;
}
