// netgen status [INVENTORY] [--limit HOSTS] [--forks N] [--json] [--watch [SECONDS]]:
// what each host runs, then the fleet's path figures (status-metrics.ts).
// Nothing on the host changes: the agent runs from memory (see hostStatus). Hosts
// are read --forks at a time and reported in inventory order.
import type { Host } from "../inventory/types.js";
import { METRICS_FILE } from "../plan/metrics.js";
import { hostStatus, type HostStatus as AgentStatus, printable } from "../push/agent.js";
import { connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { pool } from "../push/fleet.js";
import type { Release } from "../push/release.js";
import { resolveSource } from "../push/tree-source.js";
import { METRICS_UNIT, UNIT_DIR } from "../render/render-host.js";
import { type HostMetrics, hostMetrics, metricsTable } from "./status-metrics.js";

export interface HostStatus extends Partial<Omit<AgentStatus, "pending" | "metricsFile">> {
  host: string;
  reachable: boolean;
  rendered?: string;
  /** The release the host runs is the rendered one, unedited, confirmed, with no switch cut off. */
  inSync?: boolean;
  /** "<release> <fallback>": activated, not yet confirmed (the host rolls back by itself). */
  pending?: string;
  /** The path figures of the host's metrics loop; absent when netgen renders none for the host. */
  metrics?: HostMetrics;
  error?: string;
}

export interface StatusArgs {
  inventory?: string;
  limit?: string;
  forks: number;
  json: boolean;
  /** Seconds between rounds: read the fleet again and again until Ctrl-C. */
  watch?: number;
}

export interface Screen {
  isTTY?: boolean;
  write(text: string): unknown;
}

export async function status(args: StatusArgs, print: (line: string) => void, screen: Screen = process.stdout): Promise<number> {
  const source = await resolveSource(args.inventory, args.limit, { releases: true });
  const rendered = source.hosts.map((host) => [host, source.releases.get(host.name)!] as const);
  const round = async () => {
    const all = await pool(rendered, args.forks, ([host, release]) => statusOf(host, release));
    const code = all.some((s) => !s.reachable) ? 4 : all.some((s) => !s.inSync) ? 2 : 0;
    const lines = args.json
      ? [JSON.stringify({ inventory: source.inventoryFile, hosts: all, exitCode: code }, null, args.watch === undefined ? 2 : undefined)]
      : [...all.flatMap(describe), ...table(all)].map(printable);
    return { code, lines };
  };
  if (args.watch === undefined) {
    const { code, lines } = await round();
    for (const line of lines) print(line);
    return code;
  }
  return watch(args.watch, args.json, round, screen);
}

/**
 * --watch: on a terminal each round replaces the last (cursor home, screen
 * cleared, cursor hidden until Ctrl-C); elsewhere (a pipe, a log) each round is
 * printed after the last under a "--- <time>" line, or as one JSON line with --json.
 * Ctrl-C ends it with exit 0 and the cursor shown again.
 */
async function watch(seconds: number, json: boolean, round: () => Promise<{ lines: string[] }>, screen: Screen): Promise<number> {
  const tty = screen.isTTY === true;
  let stopped = false;
  let wake: () => void = () => {};
  const stop = () => ((stopped = true), wake());
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (tty) screen.write("\x1b[?25l");
  try {
    let first = true;
    while (!stopped) {
      const { lines } = await round();
      if (stopped) break;
      const stamp = new Date().toISOString().slice(0, 19).replace("T", " ");
      if (tty) screen.write(`\x1b[H\x1b[2J${lines.join("\n")}\n\nevery ${seconds}s, ${stamp} UTC; Ctrl-C ends\n`);
      else if (json) screen.write(`${lines[0]}\n`);
      else screen.write(`${first ? "" : "\n"}--- ${stamp} UTC\n${lines.join("\n")}\n`);
      first = false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, seconds * 1000);
        wake = () => (clearTimeout(timer), resolve());
      });
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    if (tty) screen.write("\x1b[?25h");
  }
  return 0;
}

async function statusOf(host: Host, release: Release): Promise<HostStatus> {
  const s: HostStatus = { host: host.name, reachable: false, rendered: release.id };
  // Only a host netgen renders a metrics loop for is asked for its file.
  const hasMetrics = release.entries.some((e) => e.path === `${UNIT_DIR}/${METRICS_UNIT}`);
  let conn;
  try {
    conn = await connect(host, { acceptNew: false, timeoutMs: 10000 });
    const { metricsFile, ...a } = await hostStatus(conn, hasMetrics ? METRICS_FILE : undefined);
    Object.assign(s, a, { reachable: true, pending: a.pending ? `${a.pending.id} ${a.pending.fallback}` : undefined });
    s.inSync = a.release === s.rendered && a.drift.length === 0 && a.pending === undefined && a.interrupted === undefined;
    if (metricsFile !== undefined) s.metrics = readMetrics(metricsFile, host.name);
  } catch (error) {
    if (!(error instanceof Unreachable || error instanceof HostKeyRefused)) throw error;
    s.error = (error as Error).message;
  } finally {
    conn?.close();
  }
  return s;
}

function readMetrics(file: NonNullable<AgentStatus["metricsFile"]>, host: string): HostMetrics {
  try {
    return hostMetrics(file, host);
  } catch (error) {
    // A broken file is the loop's problem, reported in the table; the release lines still stand.
    return { state: "unreadable", error: (error as Error).message };
  }
}

function table(all: HostStatus[]): string[] {
  // An unreachable host has no row: the line above says so.
  const lines = metricsTable(all.map((s) => ({ host: s.host, metrics: s.metrics })));
  return lines.length ? ["", ...lines] : [];
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
