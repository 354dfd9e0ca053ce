// Inventory values inside messages are shown by their start and length: a
// 15 MB string once gave a 15 MB error (658 MB of memory to print it).

/** Words longer than this are cut. */
export const MAX_SHOWN_VALUE = 80;
/** A whole message or hint is kept to a screenful. */
export const MAX_MESSAGE = 1000;

export function clipValues(text: string): string {
  const clipped = text.replace(/\S{81,}/g, (word) => `${word.slice(0, MAX_SHOWN_VALUE - 20)}...(${word.length} characters)`);
  return clipped.length > MAX_MESSAGE ? `${clipped.slice(0, MAX_MESSAGE - 30)}...(${clipped.length} characters)` : clipped;
}
