// One host back to the release before its current one, with the same safety
// net as push (armed timer, confirmation over a new connection).
import { ExitError } from "../errors.js";
import type { Host } from "../inventory/types.js";
import { readState } from "./agent.js";
import { connect, HostKeyRefused, Unreachable } from "./connection.js";
import { activate, type HostResult } from "./push-host.js";

export async function rollbackHost(host: Host, confirmTimeout: number, progress: (host: string, phase: string) => void): Promise<HostResult> {
  let conn;
  try {
    conn = await connect(host, { acceptNew: false, timeoutMs: 10000 });
    // Installed (or updated) first: the rollback runs the host's own agent.
    const state = await readState(conn, true);
    if (state.pending) throw new ExitError(`${host.name}: release ${state.pending.id} waits for confirmation and falls back to ${state.pending.fallback} by itself; push again or wait for it`);
    if (state.previous === "none") throw new ExitError(`${host.name} has no previous release to go back to`);
    if (!state.releases.includes(state.previous)) throw new ExitError(`${host.name}: release ${state.previous} is no longer on the host`);
    progress(host.name, `rolling back from ${state.current} to ${state.previous}`);
    const result: HostResult = { host: host.name, outcome: "ok", release: state.previous, previous: state.current, changed: [], removed: [], actions: [], rebootNeeded: [] };
    return await activate(host, conn, state.previous, result, { confirmTimeout, dryRun: false, force: false, acceptNew: false, connectTimeoutMs: 10000, progress });
  } catch (error) {
    if (!(error instanceof Unreachable || error instanceof HostKeyRefused)) throw error;
    return { host: host.name, outcome: "unreachable", changed: [], removed: [], actions: [], rebootNeeded: [], error: (error as Error).message };
  } finally {
    conn?.close();
  }
}
