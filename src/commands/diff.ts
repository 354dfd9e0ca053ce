// netgen diff [INVENTORY] [--limit HOSTS]: per host, what push would change.
// Exit 0 when nothing would change, 2 when something would, 4 if a host is unreachable.
import { drift } from "../push/agent.js";
import { connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { changes, readState } from "../push/push-host.js";
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
      const state = await readState(conn);
      const { changed, removed } = changes(release, state);
      const drifted = drift(state).filter((p) => !changed.includes(p));
      const paths = [...changed, ...drifted, ...removed];
      if (paths.length === 0) {
        print(`${host.name}: no change (release ${state.current})`);
        continue;
      }
      code = Math.max(code, 2);
      const r = await conn.exec(paths.map((p) => `printf '%s\\t' '${p}'; if [ -L '/${p}' ]; then printf 'link:%s' "$(readlink '/${p}')" | base64 -w0; elif [ -f '/${p}' ]; then base64 -w0 '/${p}'; fi; echo`).join("\n"));
      const onHost = new Map(r.stdout.split("\n").filter(Boolean).map((l) => { const [p, b64] = l.split("\t"); return [p!, Buffer.from(b64 ?? "", "base64").toString("utf8")] as const; }));
      print(`${host.name}: ${changed.length} to write, ${removed.length} to remove${drifted.length ? `, ${drifted.length} edited on the host` : ""}`);
      for (const e of release.entries.filter((x) => changed.includes(x.path) || drifted.includes(x.path))) {
        const after = e.kind === "f" ? e.content!.toString("utf8") : `link:${e.target}`;
        process.stdout.write(unifiedDiff(onHost.get(e.path) ?? "", after, `before: /${e.path}`, `after: /${e.path}`));
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
