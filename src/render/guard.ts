// The last line of defence behind validation: a generated file must be plain
// printable text. Validation refuses anything that could change a file's
// structure; if something slips through, that is netgen's bug and nothing is
// written.
import { InternalError } from "../errors.js";

export function guardOutput(path: string, content: string): void {
  const bad = /[^\x20-\x7e\n\t]/.exec(content);
  if (bad) throw new InternalError(`${path}: refusing to write a control or non-ASCII character (code ${bad[0].charCodeAt(0)}) at offset ${bad.index}`);
  if (!content.endsWith("\n")) throw new InternalError(`${path}: rendered file does not end in a newline`);
}
