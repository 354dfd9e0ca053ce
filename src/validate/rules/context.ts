// What every semantic rule gets: the typed inventory and quick lookups.
import type { Bundle, Host, Inventory, Uplink } from "../../inventory/types.js";

export interface RuleContext {
  inventory: Inventory;
  host(name: string): Host | undefined;
  uplink(host: string, name: string): Uplink | undefined;
}

export function ruleContext(inventory: Inventory): RuleContext {
  const hosts = new Map(inventory.hosts.map((h) => [h.name, h]));
  const uplinks = new Map(inventory.hosts.flatMap((h) => h.uplinks.map((u) => [`${h.name}/${u.name}`, u] as const)));
  return { inventory, host: (n) => hosts.get(n), uplink: (h, n) => uplinks.get(`${h}/${n}`) };
}

/** Tunnelled strategies: one gretap per path. */
export function usesTunnels(bundle: Bundle): boolean {
  return bundle.strategy === "failover" || bundle.strategy === "balance-rr";
}
