// netgen rollback HOST [INVENTORY]: back to the release before the current one,
// with the same safety net as push (armed timer, confirmation over a new connection).
import { recapLine, exitCode } from "../push/fleet.js";
import { rollbackHost } from "../push/rollback-host.js";
import { resolveSource } from "../push/tree-source.js";
import { checkConfirmTimeout } from "./push.js";

export async function rollback(args: { host: string; inventory?: string; confirmTimeout: number }, print: (line: string) => void): Promise<number> {
  checkConfirmTimeout(args.confirmTimeout);
  const host = resolveSource(args.inventory, args.host).hosts[0]!;
  const result = await rollbackHost(host, args.confirmTimeout, (h, phase) => print(`${h} : ${phase}`));
  if (result.error) print(`${host.name}: ${result.error}`);
  for (const a of result.actions) print(`  ${a}`);
  print(recapLine(result, host.name.length));
  return exitCode([result]);
}
