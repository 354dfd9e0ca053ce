// Inventory values inside messages are shown by their start and length: a
// 15 MB string once gave a 15 MB error (658 MB of memory to print it).

/** Words longer than this are cut. */
export const MAX_SHOWN_VALUE = 80;
/** A whole message or hint is kept to a screenful. */
export const MAX_MESSAGE = 1000;

export function clipValues(text: string): string {
  // A plain scan: a regular expression over a 15 MB word overflows V8's stack.
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) > 32) continue;
    const word = text.slice(start, i);
    parts.push(word.length > MAX_SHOWN_VALUE ? `${word.slice(0, MAX_SHOWN_VALUE - 20)}...(${word.length} characters)` : word);
    if (i < text.length) parts.push(text[i]!);
    start = i + 1;
  }
  const clipped = parts.join("");
  return clipped.length > MAX_MESSAGE ? `${clipped.slice(0, MAX_MESSAGE - 30)}...(${clipped.length} characters)` : clipped;
}
