// netgen rollback HOST [INVENTORY] [--json]: back to the release before the current one,
// with the same safety net as push (armed timer, confirmation over a new connection).
import { ExitError } from "../errors.js";
import { HOST_NAME } from "../inventory/schema.js";
import { recapLine, exitCode } from "../push/fleet.js";
import { rollbackHost } from "../push/rollback-host.js";
import { resolveSource } from "../push/tree-source.js";
import { checkConfirmTimeout } from "./push.js";

export async function rollback(args: { host: string; inventory?: string; confirmTimeout: number; json?: boolean }, print: (line: string) => void, progress: (line: string) => void = print): Promise<number> {
  checkConfirmTimeout(args.confirmTimeout);
  // HOST goes through --limit's selection, which also takes groups and globs: rollback acts on one named host.
  if (!new RegExp(HOST_NAME).test(args.host)) throw new ExitError(`rollback: '${args.host}' is not a host name: rollback goes back on one host, named in full`);
  // The local tree's releases are not needed: the host goes back to its own previous one.
  const source = await resolveSource(args.inventory, args.host, { releases: false, oneHost: args.host });
  const host = source.hosts[0]!;
  const result = await rollbackHost(host, args.confirmTimeout, (h, phase) => (args.json ? progress : print)(`${h} : ${phase}`));
  const code = exitCode([result]);
  // The same shape as push --json: the inventory, one entry per host, the exit code.
  if (args.json) {
    print(JSON.stringify({ inventory: source.inventoryFile, hosts: [result], exitCode: code }, null, 2));
    return code;
  }
  if (result.error) print(`${host.name}: ${result.error}`);
  for (const a of result.actions) print(`  ${a}`);
  print(recapLine(result, host.name.length));
  return code;
}
