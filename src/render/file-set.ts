// What render produces for one host: files and symlinks at the paths they
// will have on the host (relative to its root).

export type Entry = { kind: "file"; path: string; mode: number; content: string } | { kind: "link"; path: string; target: string };

export interface HostFiles {
  host: string;
  entries: Entry[];
}

export function sortEntries(entries: Entry[]): Entry[] {
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
