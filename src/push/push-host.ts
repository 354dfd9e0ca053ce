// One host's push: read its state, send only what changed, arm the host's own
// rollback, activate detached from this SSH session, then confirm over a NEW
// connection once the host is healthy. No confirmation in time and the host
// restores the previous release by itself.
import { randomBytes } from "node:crypto";
import type { Host } from "../inventory/types.js";
import { AGENT, armAndActivate, confirm, drift, expire, type HostState, installScript, planActivation, quote, readState, STATE_DIR, waitActivation, waitHostHealthy } from "./agent.js";
import { type Forecast, forecastOf } from "./forecast.js";
import { changes, type HostDiff, hostDiff } from "./host-diff.js";
import { connect, type Connection, HostKeyRefused, Unreachable } from "./connection.js";
import { bootNote, preflight } from "./preflight.js";
import type { Release } from "./release.js";
import { tar } from "./tar.js";

export interface PushOptions {
  confirmTimeout: number; // seconds
  dryRun: boolean;
  force: boolean;
  acceptNew: boolean;
  connectTimeoutMs: number;
  progress(host: string, phase: string): void;
  /** Per bundle of this host, the devices on its paths and its uplinks (forecast.ts: bundleDevices). */
  bundles?: Map<string, { devices: Set<string>; uplinks: Set<string> }>;
  /** Bonds of new bundles whose far end is pushed after this host (see far-ends.ts). */
  lonely?(state: HostState): string[];
}

export type Outcome = "ok" | "changed" | "failed" | "unreachable";

export interface HostResult {
  host: string;
  outcome: Outcome;
  release?: string;
  previous?: string;
  changed: string[];
  removed: string[];
  actions: string[];
  rebootNeeded: string[];
  error?: string;
  /** --dry-run: what would change, file by file, and what the activation would do. */
  diff?: HostDiff;
  forecast?: Forecast;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long to wait before a new connection after one failed during confirmation. */
const RETRY_MS = 200;

export async function pushHost(host: Host, release: Release, options: PushOptions): Promise<HostResult> {
  const result: HostResult = { host: host.name, outcome: "ok", release: release.id, changed: [], removed: [], actions: [], rebootNeeded: [] };
  let conn: Connection | undefined;
  try {
    options.progress(host.name, "connecting");
    conn = await connect(host, { acceptNew: options.acceptNew, timeoutMs: options.connectTimeoutMs });
    // The state is read with the agent run from memory: nothing is written before
    // the checks below pass (and nothing at all on a dry run or an unchanged host).
    const state = await readState(conn, false);
    // While a release waits for confirmation, the release it falls back to is the previous one.
    result.previous = state.pending?.fallback ?? state.current;
    const edited = drift(state);
    if (edited.length > 0 && !options.force) {
      return { ...result, outcome: "failed", error: `drift: edited on the host since the last push: ${edited.join(", ")} (netgen diff shows it; --force overwrites)` };
    }
    const { changed, removed } = changes(release, state);
    Object.assign(result, { changed, removed });
    // A pending release or a switch cut off is not in sync, even when it is this release:
    // the host would roll it back by itself. Pushing again confirms it or redoes it.
    const settled = state.pending === undefined && state.interrupted === undefined;
    if (state.current === release.id && edited.length === 0 && settled) {
      options.progress(host.name, "unchanged");
      return result;
    }
    const refused = preflight(release, state);
    if (refused.length > 0) return { ...result, outcome: "failed", error: `preflight: ${refused.join("; ")} (nothing was written)` };
    const note = bootNote(state);
    if (note) result.actions.push(note);
    if (options.dryRun) {
      // The agent plans with the files the upload would send (and, under --force, the edited ones it would restore).
      const plan = await planActivation(conn, release.id, archive(release, new Set([...changed, ...(options.force ? edited : [])])));
      return { ...result, outcome: "changed", diff: await hostDiff(conn, release, state), forecast: forecastOf(plan, options.bundles ?? new Map()) };
    }
    options.progress(host.name, `uploading ${changed.length} file${changed.length === 1 ? "" : "s"}`);
    // The activation reloads systemd when units change or go (the agent's `touches etc/systemd/system/`).
    const reloads = [...changed, ...removed].some((p) => p.startsWith("etc/systemd/system/"));
    await upload(conn, release, changed, new Set(state.files.keys()), options.force ? edited : undefined, reloads);
    return await activate(host, conn, release.id, result, options, options.lonely?.(state) ?? []);
  } catch (error) {
    const message = (error as Error).message;
    const outcome: Outcome = error instanceof Unreachable || error instanceof HostKeyRefused ? "unreachable" : "failed";
    return { ...result, outcome, error: message };
  } finally {
    conn?.close();
  }
}

/** Stage the release on the host: the current files, the changed ones from us, verified by sha256. */
async function upload(conn: Connection, release: Release, changed: string[], owned: Set<string>, forced: string[] | undefined, activationReloads: boolean): Promise<void> {
  const dir = `${STATE_DIR}/releases/${release.id}`;
  const fresh = changed.filter((p) => !owned.has(p));
  const script = [
    "set -e",
    // Never take over a file netgen does not own; under --force, keep a copy of what gets overwritten.
    forced === undefined
      ? `for p in ${fresh.map(quote).join(" ")}; do if [ -e "/$p" ] || [ -L "/$p" ]; then echo "unowned /$p"; fi; done | grep . && exit 4`
      : backupScript(release.id, [...fresh, ...forced]),
    installScript({ reload: !activationReloads }),
    `if [ -f ${dir}/manifest ]; then exit 0; fi`,
    `rm -rf ${dir}.partial`,
    `mkdir -p ${dir}.partial/files`,
    `if [ -d ${STATE_DIR}/current/files ]; then cp -a ${STATE_DIR}/current/files/. ${dir}.partial/files/; fi`,
    `tar -x -C ${dir}.partial`,
    `${AGENT} verify ${dir}.partial`,
    `mv -T ${dir}.partial ${dir}`,
  ].filter(Boolean).join("\n");
  const r = await conn.exec(script, archive(release, new Set(changed)));
  if (r.code === 4) throw new Error(`would overwrite files netgen does not own: ${r.stdout.trim().replace(/\n/g, ", ")} (move them away, or --force)`);
  if (r.code !== 0) throw new Error(`upload failed: ${(r.stderr || r.stdout).trim()}`);
}

/** The release as the host's agent takes it: its manifest and the files of `send`. */
function archive(release: Release, send: Set<string>): Buffer {
  return tar([
    { path: "manifest", content: Buffer.from(release.manifest) },
    ...release.entries.filter((e) => send.has(e.path)).map((e) => (e.kind === "f" ? { path: `files/${e.path}`, content: e.content, mode: parseInt(e.mode, 8) } : { path: `files/${e.path}`, link: e.target })),
  ]);
}

/** Under --force: every file about to be overwritten (unowned, or edited on the host) copied to backup/<release>/ first. */
function backupScript(id: string, paths: string[]): string {
  const dir = `${STATE_DIR}/backup/${id}-$(date +%Y%m%dT%H%M%S)`;
  return [
    `b=${dir}`,
    `for p in ${paths.map(quote).join(" ")}; do`,
    `  if [ -e "/$p" ] || [ -L "/$p" ]; then mkdir -p "$b/$(dirname "$p")"; cp -a "/$p" "$b/$p"; echo "backed up /$p to $b/$p" >&2; fi`,
    "done",
  ].join("\n");
}

/**
 * Arm the rollback, start the activation as a systemd unit of its own (so a
 * dropped SSH session cannot interrupt it), wait for it and for health over the
 * same connection, and confirm over a new one. `conn` is closed here (the
 * caller's close after that does nothing).
 * The first arm bounds activation and confirmation together; when the
 * activation ends the host re-arms for the full window, and so does the
 * deadline here: a slow activation does not eat the confirmation's time.
 */
export async function activate(host: Host, conn: Connection, id: string, result: HostResult, options: PushOptions, lonely: string[] = []): Promise<HostResult> {
  options.progress(host.name, "activating");
  const tag = randomBytes(3).toString("hex");
  const windowMs = options.confirmTimeout * 1000 - 2000;
  let deadline = Date.now() + windowMs;
  await armAndActivate(conn, id, options.confirmTimeout, tag);
  // The waits for the activation and for health go over the connection that started it (one
  // handshake less per host): the activation runs in a unit of its own, which a dropped session
  // cannot interrupt. A connection the new configuration cuts fails its command, and the loop
  // goes on over new connections. Only the confirmation needs a connection opened afterwards.
  let session: Connection | undefined = conn;
  let activated = false;
  try {
    while (Date.now() < deadline) {
      try {
        // A slow handshake (a loaded host) gets all the time the window has left.
        session ??= await connect(host, { acceptNew: false, timeoutMs: untilDeadline(deadline) });
        if (!activated) {
          // The host waits for the activation's end itself: one round trip, not one per poll.
          const sent = Date.now();
          const done = await waitActivation(session, secondsLeft(deadline), untilDeadline(deadline));
          if (done === undefined) {
            await sleep(RETRY_MS);
            continue;
          }
          // The host re-armed just before it wrote the exit code: the window runs from then
          // (the earliest that can be, seen from here: `endedMsAgo` before this request was sent).
          // No re-arm (the activation outlasted the first window): the first deadline stands.
          if (done.rearmed) deadline = sent - done.endedMsAgo + windowMs;
          activated = true;
          result.actions = [...result.actions, ...done.actions];
          result.rebootNeeded = done.rebootNeeded;
          if (!done.ok) return await undo(session, id, result, `activation failed: ${done.actions.join("; ")}`);
        }
        const health = await waitHostHealthy(session, id, lonely, secondsLeft(deadline), untilDeadline(deadline));
        if (!health.healthy) {
          return await undo(session, id, result, `unhealthy after activation: ${health.said.join("; ") || "health check did not pass"}`);
        }
        // The configuration is applied: only a connection opened now proves the host is reachable with it.
        options.progress(host.name, "confirming over a new connection");
        session.close();
        session = await connect(host, { acceptNew: false, timeoutMs: untilDeadline(deadline) });
        const refused = await confirm(session, id, untilDeadline(deadline));
        if (refused !== undefined) return { ...result, outcome: "failed", error: `could not confirm: ${refused} (the host falls back to ${result.previous} by itself when its timer fires)` };
        return { ...result, outcome: "changed" };
      } catch (error) {
        if (error instanceof HostKeyRefused) throw error;
        session?.close();
        session = undefined;
        await sleep(RETRY_MS);
      }
    }
    return { ...result, outcome: "unreachable", error: `no confirmation within ${options.confirmTimeout}s over a new connection: the host restores its previous release by itself` };
  } finally {
    session?.close();
  }
}

/**
 * A command during confirmation may not outlive the confirmation window: a
 * connection cut by the new configuration comes back to life when the host
 * rolls back by itself, and a late answer on it would be misread.
 */
const untilDeadline = (deadline: number) => Math.max(1000, deadline - Date.now());
/** Whole seconds a wait on the host may take: it answers before the exec's own timeout (one check's time spare). */
const secondsLeft = (deadline: number) => Math.max(1, Math.floor((deadline - Date.now()) / 1000) - 2);

/** Roll the host back now, and say only what the host's state afterwards shows. */
async function undo(conn: Connection, id: string, result: HostResult, reason: string): Promise<HostResult> {
  const r = await expire(conn, id);
  const after = await readState(conn, false).catch(() => undefined);
  let back: string;
  if (after === undefined) back = `the rollback's outcome is unknown (${r.said}): netgen status shows it`;
  else if (after.current === result.previous && after.pending === undefined && after.interrupted === undefined) back = `rolled back to the previous release (${after.current})`;
  else back = `rollback did not complete: the host is on ${after.current}${after.pending ? `, ${after.pending.id} pending` : ""} (${r.said})`;
  return { ...result, outcome: "failed", error: `${reason}; ${back}` };
}
