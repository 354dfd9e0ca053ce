// netgen status [INVENTORY] [--limit HOSTS] [--forks N] [--json]: what each host runs.
// Nothing on the host changes: the agent runs from memory (see hostStatus). Hosts
// are read --forks at a time and reported in inventory order.
import type { Host } from "../inventory/types.js";
import { hostStatus, type HostStatus as AgentStatus, printable } from "../push/agent.js";
import { connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { pool } from "../push/fleet.js";
import { resolveSource } from "../push/tree-source.js";

export interface HostStatus extends Partial<Omit<AgentStatus, "pending">> {
  host: string;
  reachable: boolean;
  rendered?: string;
  /** The release the host runs is the rendered one, unedited, confirmed, with no switch cut off. */
  inSync?: boolean;
  /** "<release> <fallback>": activated, not yet confirmed (the host rolls back by itself). */
  pending?: string;
  error?: string;
}

export async function status(args: { inventory?: string; limit?: string; forks: number; json: boolean }, print: (line: string) => void): Promise<number> {
  const source = await resolveSource(args.inventory, args.limit, { releases: true });
  const rendered = source.hosts.map((host) => [host, source.releases.get(host.name)!.id] as const);
  const all = await pool(rendered, args.forks, ([host, id]) => statusOf(host, id));
  const code = all.some((s) => !s.reachable) ? 4 : all.some((s) => !s.inSync) ? 2 : 0;
  if (args.json) print(JSON.stringify({ inventory: source.inventoryFile, hosts: all, exitCode: code }, null, 2));
  else for (const s of all) for (const line of describe(s)) print(printable(line));
  return code;
}

async function statusOf(host: Host, rendered: string): Promise<HostStatus> {
  const s: HostStatus = { host: host.name, reachable: false, rendered };
  let conn;
  try {
    conn = await connect(host, { acceptNew: false, timeoutMs: 10000 });
    const a = await hostStatus(conn);
    Object.assign(s, a, { reachable: true, pending: a.pending ? `${a.pending.id} ${a.pending.fallback}` : undefined });
    s.inSync = a.release === s.rendered && a.drift.length === 0 && a.pending === undefined && a.interrupted === undefined;
  } catch (error) {
    if (!(error instanceof Unreachable || error instanceof HostKeyRefused)) throw error;
    s.error = (error as Error).message;
  } finally {
    conn?.close();
  }
  return s;
}

function describe(s: HostStatus): string[] {
  if (!s.reachable) return [`${s.host}: unreachable: ${s.error}`];
  const head = [
    `${s.host}: release ${s.release}${s.inSync ? " (as rendered)" : ` (rendered: ${s.rendered})`}`,
    s.pending ? `, pending confirmation: ${s.pending}` : "",
    s.interrupted ? `, SWITCH CUT OFF: ${s.interrupted} (the next push or boot settles it)` : "",
    s.drift?.length ? `, DRIFT: ${s.drift.join(", ")}` : "",
  ].join("");
  return [
    head,
    ...(s.links ?? []).map((l) => `  link ${l.name.padEnd(15)} ${l.operational.padEnd(12)} ${l.setup}`),
    ...(s.bonds ?? []).map((b) => `  bond ${b.name.padEnd(15)} active ${b.active || "(none)"}  failures ${Object.entries(b.failures).map(([k, v]) => `${k}=${v}`).join(" ") || "none"}`),
    ...(s.units ?? []).map((u) => `  unit ${u.name.padEnd(40)} ${u.state}`),
  ];
}
