// netgen rollback HOST [INVENTORY]: back to the release before the current one,
// with the same safety net as push (armed timer, confirmation over a new connection).
import { ExitError } from "../errors.js";
import { connect } from "../push/connection.js";
import { recapLine, exitCode } from "../push/fleet.js";
import { activate, type HostResult, readState } from "../push/push-host.js";
import { resolveSource } from "../push/tree-source.js";

export async function rollback(args: { host: string; inventory?: string; confirmTimeout: number }, print: (line: string) => void): Promise<number> {
  const source = resolveSource(args.inventory, args.host);
  const host = source.hosts[0]!;
  const conn = await connect(host, { acceptNew: false, timeoutMs: 10000 });
  let result: HostResult;
  try {
    const state = await readState(conn);
    if (state.previous === "none") throw new ExitError(`${host.name} has no previous release to go back to`);
    const check = await conn.exec(`test -f /var/lib/netgen/releases/${state.previous}/manifest && echo ok`);
    if (check.stdout.trim() !== "ok") throw new ExitError(`${host.name}: release ${state.previous} is no longer on the host`);
    print(`${host.name}: rolling back from ${state.current} to ${state.previous}`);
    result = await activate(host, conn, state.previous, { host: host.name, outcome: "ok", release: state.previous, previous: state.current, changed: [], removed: [], actions: [], rebootNeeded: [] }, {
      confirmTimeout: args.confirmTimeout, dryRun: false, force: false, acceptNew: false, connectTimeoutMs: 10000, progress: (h, p) => print(`${h} : ${p}`),
    });
  } finally {
    conn.close();
  }
  if (result.error) print(`${host.name}: ${result.error}`);
  for (const a of result.actions) print(`  ${a}`);
  print(recapLine(result, host.name.length));
  return exitCode([result]);
}
