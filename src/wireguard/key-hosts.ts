// Which hosts need a WireGuard key pair: the one place `netgen keys` asks.
import type { Host, Inventory } from "../inventory/types.js";

/** The hosts at an end of a `transport: wireguard` bundle, in inventory order. */
export function hostsNeedingKeys(inventory: Inventory): Host[] {
  const ends = new Set(inventory.bundles.filter((b) => b.transport === "wireguard").flatMap((b) => b.ends.map((e) => e.host)));
  return inventory.hosts.filter((h) => ends.has(h.name));
}
