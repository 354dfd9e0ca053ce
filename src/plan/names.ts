// Names and MAC addresses of the devices netgen creates. Validation and the
// planner both use these, so a name that is checked is the name that is built.
import { createHash } from "node:crypto";
import { lookup } from "../inventory/lookup.js";
import type { Bundle, Inventory } from "../inventory/types.js";

/** The kernel's limit on interface names (IFNAMSIZ - 1). */
export const MAX_IFNAME = 15;

/**
 * Names the kernel creates by itself when a module loads (ip_gre's fallback
 * devices, sch_teql's equalizers, ...): a device netgen creates must not take one.
 */
export const RESERVED_IFNAME = /^(lo|gre0|gretap0|erspan0|ip6gre0|ip6tnl0|ip6_vti0|ip_vti0|sit0|tunl0|bond0|ifb\d+|teql\d+)$/;

/** The tunnel of path `index` (0-based) of a bundle. */
export function tunnelName(bundle: string, index: number): string {
  return `${bundle}-t${index + 1}`;
}

/** The ifb device that receives an uplink's ingress traffic for shaping. */
export function ifbName(uplink: string): string {
  const plain = `ifb-${uplink}`;
  return plain.length <= MAX_IFNAME ? plain : `ifb-${uplink.slice(0, 6)}-${hex(`ifb/${uplink}`, 2)}`;
}

/** teql bundles of a host, in name order: bundle k uses equalizer device teql<k>. */
export function teqlBundles(inventory: Inventory, host: string): Bundle[] {
  return lookup(inventory)
    .bundlesOf(host)
    .filter((b) => b.strategy === "teql")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function teqlDevice(inventory: Inventory, host: string, bundle: string): string {
  const index = teqlBundles(inventory, host).findIndex((b) => b.name === bundle);
  return `teql${index}`;
}

/**
 * A stable, locally administered unicast MAC for a virtual device. networkd would
 * otherwise derive one from /etc/machine-id and the device name, and hosts cloned
 * from one image then give both ends of a bundle the same MAC (a bond facing a
 * bridge of the same name never comes up).
 */
export function macAddress(host: string, device: string): string {
  const bytes = createHash("sha256").update(`netgen-mac/${host}/${device}`).digest().subarray(0, 6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

function hex(text: string, bytes: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, bytes * 2);
}
