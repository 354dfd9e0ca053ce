// netgen diff [INVENTORY] [--limit HOSTS] [--forks N] [--json]: per host, what push would change.
// Exit 0 when nothing would change, 2 when something would, 4 if a host is unreachable.
// Nothing on the host changes: the agent runs from memory (see readState). Hosts
// are read --forks at a time; each host's part is printed in inventory order.
import type { Host } from "../inventory/types.js";
import { readState } from "../push/agent.js";
import { connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { pool } from "../push/fleet.js";
import { diffCode, diffLines, hostDiff, type HostDiff } from "../push/host-diff.js";
import type { Release } from "../push/release.js";
import { resolveSource } from "../push/tree-source.js";

/** One host's part of `diff --json`: its diff, or why it could not be read. */
export interface HostDiffReport extends Partial<HostDiff> {
  host: string;
  reachable: boolean;
  /** The release rendered for it. */
  rendered: string;
  error?: string;
}

/** One host's report and exit code, or the error that stops the command when its turn comes. */
type Outcome = { code: number; report: HostDiffReport; lines: string[] } | { error: unknown };

export async function diff(args: { inventory?: string; limit?: string; forks: number; acceptNew: boolean; json?: boolean }, print: (line: string) => void): Promise<number> {
  const source = await resolveSource(args.inventory, args.limit, { releases: true });
  const releases = source.hosts.map((host) => [host, source.releases.get(host.name)!] as const);
  let code = 0;
  const reports: HostDiffReport[] = [];
  await pool(
    releases,
    args.forks,
    ([host, release]) => diffHost(host, release, args.acceptNew).catch((error: unknown) => ({ error })),
    (d) => {
      if ("error" in d) throw d.error;
      if (!args.json) d.lines.forEach((line) => print(line));
      reports.push(d.report);
      code = Math.max(code, d.code);
    },
  );
  if (args.json) print(JSON.stringify({ inventory: source.inventoryFile, hosts: reports, exitCode: code }, null, 2));
  return code;
}

async function diffHost(host: Host, release: Release, acceptNew: boolean): Promise<Outcome> {
  let conn;
  try {
    conn = await connect(host, { acceptNew, timeoutMs: 10000 });
    const d = await hostDiff(conn, release, await readState(conn, false));
    return { code: diffCode(d), report: { host: host.name, reachable: true, rendered: release.id, ...d }, lines: diffLines(host.name, d) };
  } catch (error) {
    if (!(error instanceof Unreachable || error instanceof HostKeyRefused)) throw error;
    const message = (error as Error).message;
    return { code: 4, report: { host: host.name, reachable: false, rendered: release.id, error: message }, lines: [`${host.name}: unreachable: ${message}`] };
  } finally {
    conn?.close();
  }
}
