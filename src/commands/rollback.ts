// netgen rollback HOST [INVENTORY]: back to the release before the current one,
// with the same safety net as push (armed timer, confirmation over a new connection).
import { ExitError } from "../errors.js";
import { HOST_NAME } from "../inventory/schema.js";
import { readState } from "../push/agent.js";
import { connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { recapLine, exitCode } from "../push/fleet.js";
import { activate, type HostResult } from "../push/push-host.js";
import { resolveSource } from "../push/tree-source.js";
import { checkConfirmTimeout } from "./push.js";

export async function rollback(args: { host: string; inventory?: string; confirmTimeout: number }, print: (line: string) => void): Promise<number> {
  checkConfirmTimeout(args.confirmTimeout);
  // HOST goes through --limit's selection, which also takes groups and globs: rollback acts on one named host.
  if (!new RegExp(HOST_NAME).test(args.host)) throw new ExitError(`rollback: '${args.host}' is not a host name: rollback goes back on one host, named in full`);
  const source = resolveSource(args.inventory, args.host);
  const host = source.hosts[0]!;
  if (source.hosts.length !== 1 || host.name !== args.host) {
    throw new ExitError(`rollback: '${args.host}' is a group (${source.hosts.map((h) => h.name).join(", ")}): rollback goes back on one host, named in full`);
  }
  let result: HostResult;
  let conn;
  try {
    conn = await connect(host, { acceptNew: false, timeoutMs: 10000 });
    const state = await readState(conn, true);
    if (state.pending) throw new ExitError(`${host.name}: release ${state.pending.id} waits for confirmation and falls back to ${state.pending.fallback} by itself; push again or wait for it`);
    if (state.previous === "none") throw new ExitError(`${host.name} has no previous release to go back to`);
    if (!state.releases.includes(state.previous)) throw new ExitError(`${host.name}: release ${state.previous} is no longer on the host`);
    print(`${host.name}: rolling back from ${state.current} to ${state.previous}`);
    result = await activate(host, conn, state.previous, { host: host.name, outcome: "ok", release: state.previous, previous: state.current, changed: [], removed: [], actions: [], rebootNeeded: [] }, {
      confirmTimeout: args.confirmTimeout, dryRun: false, force: false, acceptNew: false, connectTimeoutMs: 10000, progress: (h, p) => print(`${h} : ${p}`),
    });
  } catch (error) {
    if (!(error instanceof Unreachable || error instanceof HostKeyRefused)) throw error;
    result = { host: host.name, outcome: "unreachable", changed: [], removed: [], actions: [], rebootNeeded: [], error: (error as Error).message };
  } finally {
    conn?.close();
  }
  if (result.error) print(`${host.name}: ${result.error}`);
  for (const a of result.actions) print(`  ${a}`);
  print(recapLine(result, host.name.length));
  return exitCode([result]);
}
