// A bundle pushed one end at a time (--serial, --limit, more hosts than
// --forks): its first end has no far end yet, so its bond finds no active
// path. The health check lets such a bond wait, and only such a bond: one new
// on this host whose far end is pushed in a later batch or not in this run.
import type { Inventory } from "../inventory/types.js";
import type { HostState } from "./agent.js";

/** Bundles of `host` whose far end comes after it: host name -> batch index of every host in this run. */
export function lonelyBundles(inventory: Inventory, host: string, batchOf: Map<string, number>, state: HostState): string[] {
  const mine = batchOf.get(host) ?? 0;
  return inventory.bundles
    .filter((b) => b.ends.some((e) => e.host === host))
    .filter((b) => {
      const peer = b.ends.find((e) => e.host !== host)?.host;
      const peerBatch = peer === undefined ? undefined : batchOf.get(peer);
      return peerBatch === undefined || peerBatch > mine;
    })
    // A bundle the host already runs has had its far end: it is judged as usual.
    .filter((b) => !state.files.has(`etc/systemd/network/10-netgen-${b.name}.netdev`))
    .map((b) => b.name);
}
