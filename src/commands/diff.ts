// netgen diff [INVENTORY] [--limit HOSTS]: per host, what push would change.
// Exit 0 when nothing would change, 2 when something would, 4 if a host is unreachable.
// Nothing on the host changes: the agent runs from memory (see readState).
import { drift, hostFiles, printable, readState } from "../push/agent.js";
import { connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { changes } from "../push/push-host.js";
import { readRelease } from "../push/release.js";
import { resolveSource } from "../push/tree-source.js";
import { unifiedDiff } from "../push/unified-diff.js";

export async function diff(args: { inventory?: string; limit?: string; acceptNew: boolean }, print: (line: string) => void): Promise<number> {
  const source = resolveSource(args.inventory, args.limit);
  let code = 0;
  for (const host of source.hosts) {
    const release = readRelease(source.outDir, host.name, source.manifest);
    let conn;
    try {
      conn = await connect(host, { acceptNew: args.acceptNew, timeoutMs: 10000 });
      const state = await readState(conn, false);
      const { changed, removed } = changes(release, state);
      const drifted = drift(state).filter((p) => !changed.includes(p));
      const paths = [...changed, ...drifted, ...removed];
      const unsettled = state.pending ? `release ${state.pending.id} waits for confirmation (falls back to ${state.pending.fallback})` : state.interrupted ? `a switch was cut off (${state.interrupted})` : "";
      if (paths.length === 0 && !unsettled) {
        print(`${host.name}: no change (release ${state.current})`);
        continue;
      }
      code = Math.max(code, 2);
      if (unsettled) print(`${host.name}: ${unsettled}: push confirms or redoes it`);
      if (paths.length === 0) continue;
      const onHost = await hostFiles(conn, paths);
      print(`${host.name}: ${changed.length} to write, ${removed.length} to remove${drifted.length ? `, ${drifted.length} edited on the host` : ""}`);
      for (const e of release.entries.filter((x) => changed.includes(x.path) || drifted.includes(x.path))) {
        const after = e.kind === "f" ? e.content!.toString("utf8") : `link:${e.target}`;
        // The host's side is the host's text: never let it drive the terminal.
        process.stdout.write(printable(unifiedDiff(printable(onHost.get(e.path) ?? ""), printable(after), `before: /${e.path}`, `after: /${e.path}`)));
      }
      for (const p of removed) print(`remove: /${p}`);
    } catch (error) {
      if (!(error instanceof Unreachable || error instanceof HostKeyRefused)) throw error;
      print(`${host.name}: unreachable: ${(error as Error).message}`);
      code = 4;
    } finally {
      conn?.close();
    }
  }
  return code;
}
