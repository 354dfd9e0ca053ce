// netgen diff [INVENTORY] [--limit HOSTS] [--forks N]: per host, what push would change.
// Exit 0 when nothing would change, 2 when something would, 4 if a host is unreachable.
// Nothing on the host changes: the agent runs from memory (see readState). Hosts
// are read --forks at a time; each host's part is printed in inventory order.
import type { Host } from "../inventory/types.js";
import { drift, hostFiles, printable, readState } from "../push/agent.js";
import { connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { pool } from "../push/fleet.js";
import { changes } from "../push/push-host.js";
import { readRelease, type Release } from "../push/release.js";
import { resolveSource } from "../push/tree-source.js";
import { unifiedDiff } from "../push/unified-diff.js";

/** One host's part of the output and its exit code, or the error that stops the command when its turn comes. */
type HostDiff = { code: number; lines: string[] } | { error: unknown };

export async function diff(args: { inventory?: string; limit?: string; forks: number; acceptNew: boolean }, print: (line: string) => void): Promise<number> {
  const source = await resolveSource(args.inventory, args.limit);
  const releases = source.hosts.map((host) => [host, readRelease(source.outDir, host.name, source.manifest)] as const);
  let code = 0;
  await pool(
    releases,
    args.forks,
    ([host, release]) => diffHost(host, release, args.acceptNew).catch((error: unknown) => ({ error })),
    (d) => {
      if ("error" in d) throw d.error;
      d.lines.forEach((line) => print(line));
      code = Math.max(code, d.code);
    },
  );
  return code;
}

async function diffHost(host: Host, release: Release, acceptNew: boolean): Promise<HostDiff> {
  const lines: string[] = [];
  let conn;
  try {
    conn = await connect(host, { acceptNew, timeoutMs: 10000 });
    const state = await readState(conn, false);
    const { changed, removed } = changes(release, state);
    const drifted = drift(state).filter((p) => !changed.includes(p));
    const paths = [...changed, ...drifted, ...removed];
    const unsettled = state.pending ? `release ${state.pending.id} waits for confirmation (falls back to ${state.pending.fallback})` : state.interrupted ? `a switch was cut off (${state.interrupted})` : "";
    if (paths.length === 0 && !unsettled) return { code: 0, lines: [`${host.name}: no change (release ${state.current})`] };
    if (unsettled) lines.push(`${host.name}: ${unsettled}: push confirms or redoes it`);
    if (paths.length === 0) return { code: 2, lines };
    const onHost = await hostFiles(conn, paths);
    lines.push(`${host.name}: ${changed.length} to write, ${removed.length} to remove${drifted.length ? `, ${drifted.length} edited on the host` : ""}`);
    for (const e of release.entries.filter((x) => changed.includes(x.path) || drifted.includes(x.path))) {
      const after = e.kind === "f" ? e.content!.toString("utf8") : `link:${e.target}`;
      // The host's side is the host's text: never let it drive the terminal.
      const text = printable(unifiedDiff(printable(onHost.get(e.path) ?? ""), printable(after), `before: /${e.path}`, `after: /${e.path}`));
      if (text !== "") lines.push(text.replace(/\n$/, ""));
    }
    for (const p of removed) lines.push(`remove: /${p}`);
    return { code: 2, lines };
  } catch (error) {
    if (!(error instanceof Unreachable || error instanceof HostKeyRefused)) throw error;
    return { code: 4, lines: [...lines, `${host.name}: unreachable: ${(error as Error).message}`] };
  } finally {
    conn?.close();
  }
}
