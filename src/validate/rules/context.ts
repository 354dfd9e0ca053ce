// What every semantic rule gets: the typed inventory and quick lookups.
import { lookup } from "../../inventory/lookup.js";
import type { Bundle, Host, Inventory, Uplink } from "../../inventory/types.js";

export interface RuleContext {
  inventory: Inventory;
  host(name: string): Host | undefined;
  uplink(host: string, name: string): Uplink | undefined;
}

export function ruleContext(inventory: Inventory): RuleContext {
  const index = lookup(inventory);
  return { inventory, host: index.host, uplink: index.uplink };
}

/** Tunnelled strategies: one gretap per path. */
export function usesTunnels(bundle: Bundle): boolean {
  return bundle.strategy === "failover" || bundle.strategy === "balance-rr";
}
