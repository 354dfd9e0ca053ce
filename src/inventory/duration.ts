/** "100ms" or "2s" (already matched against the schema's INTERVAL) in milliseconds. */
export function intervalMs(text: string): number {
  const n = parseInt(text, 10);
  return text.endsWith("ms") ? n : n * 1000;
}
