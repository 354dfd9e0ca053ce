// netgen push [INVENTORY] [--limit] [--forks] [--serial] [--max-fail] [--confirm-timeout] [--dry-run] [--json] [--yes]
// --dry-run changes nothing: per host, the diff and the agent's forecast of what its activation would do.
import { ExitError } from "../errors.js";
import { CONFIRM_TIMEOUT } from "../push/agent.js";
import { lonelyBundles } from "../push/far-ends.js";
import { bundleDevices, forecastLines } from "../push/forecast.js";
import { diffLines } from "../push/host-diff.js";
import { batches, runFleet, recapLine, exitCode } from "../push/fleet.js";
import { pushHost, type HostResult } from "../push/push-host.js";
import { resolveSource } from "../push/tree-source.js";

export interface PushArgs {
  inventory?: string;
  limit?: string;
  forks: number;
  serial?: string;
  maxFail: number;
  confirmTimeout: number;
  dryRun: boolean;
  json: boolean;
  force: boolean;
  acceptNew: boolean;
}

export async function push(args: PushArgs, print: (line: string) => void, progress: (line: string) => void): Promise<number> {
  checkConfirmTimeout(args.confirmTimeout);
  // Every release is read and checked before any host is touched.
  const source = await resolveSource(args.inventory, args.limit, { releases: true });
  const releases = source.releases;
  const width = Math.max(...source.hosts.map((h) => h.name.length));
  const report = (host: string, phase: string) => progress(`${host.padEnd(width)} : ${phase}`);
  // When each host starts: its batch, then its wave of --forks within the batch.
  const waveOf = new Map(batches(source.hosts, args.serial).flatMap((group, b) => group.map((h, i) => [h.name, b * source.hosts.length + Math.floor(i / args.forks)] as const)));
  const { results, skipped, stopped } = await runFleet(source.hosts, { forks: args.forks, serial: args.serial, maxFailPercent: args.maxFail }, (host) => {
    const release = releases.get(host.name)!;
    if (host.ssh.host === undefined) return Promise.resolve<HostResult>({ host: host.name, outcome: "unreachable", changed: [], removed: [], actions: [], rebootNeeded: [], error: "no ssh.host in the inventory" });
    return pushHost(host, release, { confirmTimeout: args.confirmTimeout, dryRun: args.dryRun, force: args.force, acceptNew: args.acceptNew, connectTimeoutMs: 10000, progress: report, bundles: bundleDevices(source.inventory, host.name), lonely: (state) => lonelyBundles(source.inventory, host.name, waveOf, state) }).then((r) => {
      report(host.name, r.error ? `${r.outcome}: ${r.error}` : r.outcome === "changed" ? `${args.dryRun ? "would change" : "changed"} ${r.changed.length + r.removed.length} file(s)` : "ok, nothing to change");
      return r;
    });
  });
  const code = exitCode(results);
  if (args.json) {
    print(JSON.stringify({ inventory: source.inventoryFile, dryRun: args.dryRun, hosts: results, skipped, stopped: stopped ?? null, exitCode: code }, null, 2));
    return code;
  }
  // --dry-run: each host's diff and forecast, in inventory order, before the recap.
  for (const r of results) if (r.diff && r.forecast) for (const line of [...diffLines(r.host, r.diff), ...forecastLines(r.host, r.forecast)]) print(line);
  print("");
  print("PUSH RECAP");
  for (const r of results) print(recapLine(r, width));
  for (const r of results) for (const reboot of r.rebootNeeded) print(`${r.host}: reboot needed: ${reboot}`);
  for (const name of skipped) print(`${name.padEnd(width)} : skipped`);
  if (stopped) print(`stopped: ${stopped}`);
  return code;
}

/** --confirm-timeout within bounds: a huge value would outlast every command's own timeout. */
export function checkConfirmTimeout(seconds: number): void {
  if (seconds < CONFIRM_TIMEOUT.min || seconds > CONFIRM_TIMEOUT.max) {
    throw new ExitError(`--confirm-timeout ${seconds}: must be ${CONFIRM_TIMEOUT.min} to ${CONFIRM_TIMEOUT.max} seconds (the time a host waits for confirmation before it rolls back)`);
  }
}
