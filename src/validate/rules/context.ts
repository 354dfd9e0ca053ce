// What every semantic rule gets: the typed inventory and quick lookups.
import { lookup } from "../../inventory/lookup.js";
import type { Bundle, Host, Inventory, Uplink } from "../../inventory/types.js";

export interface RuleContext {
  inventory: Inventory;
  host(name: string): Host | undefined;
  uplink(host: string, name: string): Uplink | undefined;
  /** Bundles with an end on `host`, in inventory order (a scan of every bundle per host is quadratic). */
  bundlesOf(host: string): Bundle[];
}

export function ruleContext(inventory: Inventory): RuleContext {
  const index = lookup(inventory);
  return { inventory, host: index.host, uplink: index.uplink, bundlesOf: index.bundlesOf };
}

/** Tunnelled strategies: one gretap per path. */
export function usesTunnels(bundle: Bundle): boolean {
  return bundle.strategy === "failover" || bundle.strategy === "balance-rr" || bundle.strategy === "redundant";
}

/** Bonds with an ARP monitor: a redundant (broadcast) bond sends on every path and has none. */
export function monitorsPaths(bundle: Bundle): boolean {
  return bundle.strategy === "failover" || bundle.strategy === "balance-rr";
}
