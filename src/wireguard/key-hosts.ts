// Which hosts need a WireGuard key pair: the one place `netgen keys` asks.
import type { Host, Inventory } from "../inventory/types.js";

/**
 * The hosts `netgen keys` asks for a key. Every host for now: the inventory
 * has no `transport: wireguard` yet; once it has, this becomes the hosts at an
 * end of a bundle with that transport.
 */
export function hostsNeedingKeys(inventory: Inventory): Host[] {
  return inventory.hosts;
}
