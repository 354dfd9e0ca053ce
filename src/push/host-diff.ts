// What a push would change on one host, file by file, read without changing
// anything: `netgen diff` prints it, `push --dry-run` prints it beside its
// forecast. The host's side is the host's text: made printable here, once.
import { drift, type HostState, hostFiles, printable } from "./agent.js";
import type { Connection } from "./connection.js";
import type { Release } from "./release.js";
import { unifiedDiff } from "./unified-diff.js";

export interface HostDiff {
  /** The release the host runs. */
  current: string;
  /** Files to write, to remove, and files edited on the host since the last push. */
  changed: string[];
  removed: string[];
  drifted: string[];
  /** A release waiting for confirmation or a switch cut off: push confirms or redoes it. */
  unsettled?: string;
  /** A unified diff per file written or edited on the host, in path order. */
  files: { path: string; diff: string }[];
}

/** What this release changes against the host's current one. */
export function changes(release: Release, state: HostState): { changed: string[]; removed: string[] } {
  const changed = release.entries.filter((e) => state.files.get(e.path)?.expected !== (e.kind === "f" ? e.sha256 : e.target)).map((e) => e.path);
  const paths = new Set(release.entries.map((e) => e.path));
  const removed = [...state.files.keys()].filter((p) => !paths.has(p));
  return { changed, removed };
}

export async function hostDiff(conn: Connection, release: Release, state: HostState): Promise<HostDiff> {
  const { changed, removed } = changes(release, state);
  const drifted = drift(state).filter((p) => !changed.includes(p));
  const unsettled = state.pending ? `release ${state.pending.id} waits for confirmation (falls back to ${state.pending.fallback})` : state.interrupted ? `a switch was cut off (${state.interrupted})` : undefined;
  const shown = [...changed, ...drifted];
  const onHost = await hostFiles(conn, shown);
  const files = release.entries
    .filter((e) => shown.includes(e.path))
    .map((e) => {
      const after = e.kind === "f" ? e.content!.toString("utf8") : `link:${e.target}`;
      return { path: e.path, diff: printable(unifiedDiff(printable(onHost.get(e.path) ?? ""), printable(after), `before: /${e.path}`, `after: /${e.path}`)) };
    })
    .filter((f) => f.diff !== "");
  return { current: state.current, changed, removed, drifted, ...(unsettled ? { unsettled } : {}), files };
}

/** The host's part of `netgen diff`: a head line, each file's diff, each removal. */
export function diffLines(host: string, d: HostDiff): string[] {
  if (d.changed.length + d.removed.length + d.drifted.length === 0) return d.unsettled ? [`${host}: ${d.unsettled}: push confirms or redoes it`] : [`${host}: no change (release ${d.current})`];
  return [
    ...(d.unsettled ? [`${host}: ${d.unsettled}: push confirms or redoes it`] : []),
    `${host}: ${d.changed.length} to write, ${d.removed.length} to remove${d.drifted.length ? `, ${d.drifted.length} edited on the host` : ""}`,
    ...d.files.map((f) => f.diff.replace(/\n$/, "")),
    ...d.removed.map((p) => `remove: /${p}`),
  ];
}

/** 0: nothing would change; 2: something would (or a release is unsettled). */
export function diffCode(d: HostDiff): number {
  return d.changed.length + d.removed.length + d.drifted.length === 0 && !d.unsettled ? 0 : 2;
}
