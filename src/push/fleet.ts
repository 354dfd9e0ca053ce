// Running hosts in batches: at most `forks` at once, `serial` hosts per batch
// (the first batch is the canary), and the rollout stops when more than
// `maxFail` percent of the hosts so far have failed.
import type { HostResult } from "./push-host.js";

export interface FleetOptions {
  forks: number;
  serial?: string; // "N" or "N%"
  maxFailPercent: number;
}

export function batches<T>(items: T[], serial: string | undefined): T[][] {
  if (serial === undefined) return [items];
  const size = serial.endsWith("%") ? Math.max(1, Math.floor((items.length * Number(serial.slice(0, -1))) / 100)) : Number(serial);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `work` on every item, at most `limit` at once; the results in the items' order.
 * `inOrder` gets each result as soon as it and every result before it are there,
 * so output printed from it reads as if the items ran one after another.
 */
export async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>, inOrder?: (result: R) => void): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const done: boolean[] = new Array(items.length).fill(false);
  let next = 0;
  let emitted = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
      done[i] = true;
      for (; emitted < items.length && done[emitted]; emitted++) inOrder?.(results[emitted]!);
    }
  });
  await Promise.all(runners);
  return results;
}

export async function runFleet<T extends { name: string }>(hosts: T[], options: FleetOptions, work: (host: T) => Promise<HostResult>): Promise<{ results: HostResult[]; skipped: string[]; stopped?: string }> {
  const results: HostResult[] = [];
  const groups = batches(hosts, options.serial);
  for (const [index, group] of groups.entries()) {
    results.push(...(await pool(group, options.forks, work)));
    const failed = results.filter((r) => r.outcome === "failed" || r.outcome === "unreachable").length;
    const rest = groups.slice(index + 1).flat().map((h) => h.name);
    if (rest.length === 0) break;
    if (index === 0 && options.serial !== undefined && failed > 0) return { results, skipped: rest, stopped: `the canary batch failed (${failed} host${failed === 1 ? "" : "s"})` };
    if ((failed * 100) / results.length > options.maxFailPercent) return { results, skipped: rest, stopped: `${failed} of ${results.length} hosts failed, over --max-fail ${options.maxFailPercent}%` };
  }
  return { results, skipped: [] };
}

/** Ansible's recap shape: `fo-gw : ok=1 changed=4 unreachable=0 failed=0`. */
export function recapLine(r: HostResult, width: number): string {
  const ok = r.outcome === "ok" || r.outcome === "changed" ? 1 : 0;
  const changed = r.outcome === "changed" ? r.changed.length + r.removed.length : 0;
  return `${r.host.padEnd(width)} : ok=${ok} changed=${changed} unreachable=${r.outcome === "unreachable" ? 1 : 0} failed=${r.outcome === "failed" ? 1 : 0}`;
}

/** 0 all good, 2 some host failed, 4 some host unreachable. */
export function exitCode(results: HostResult[]): number {
  if (results.some((r) => r.outcome === "unreachable")) return 4;
  if (results.some((r) => r.outcome === "failed")) return 2;
  return 0;
}
