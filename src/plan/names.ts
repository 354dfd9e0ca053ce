// Names and MAC addresses of the devices netgen creates. Validation and the
// planner both use these, so a name that is checked is the name that is built.
import { hash } from "node:crypto";
import { lookup } from "../inventory/lookup.js";
import type { Bundle, Inventory, Path } from "../inventory/types.js";

/** The kernel's limit on interface names (IFNAMSIZ - 1). */
export const MAX_IFNAME = 15;

/**
 * Names the kernel creates by itself when a module loads (ip_gre's fallback
 * devices, sch_teql's equalizers, ...): a device netgen creates must not take one.
 */
export const RESERVED_IFNAME = /^(lo|gre0|gretap0|erspan0|ip6gre0|ip6tnl0|ip6_vti0|ip_vti0|sit0|tunl0|bond0|ifb\d+|teql\d+)$/;

/**
 * The tunnel of a path: `<bundle>-<name>` for a named path, else `<bundle>-`
 * and a short hash of the pair of uplinks the path joins (unique per path of a
 * tunnel bundle). Never the path's position: removing or reordering one path
 * must not rename, and so recreate, another path's tunnels on both ends.
 * The hash takes the room the bundle's name leaves, 2 to 4 characters: 2 keep
 * every bundle name that fitted `<bundle>-t1` before (at most 12 characters).
 */
export function tunnelName(bundle: string, path: Path): string {
  if (path.name !== undefined) return `${bundle}-${path.name}`;
  const known = hashedNames.get(path);
  if (known?.bundle === bundle) return known.name;
  const room = Math.min(4, Math.max(2, MAX_IFNAME - bundle.length - 1));
  const name = `${bundle}-${base36(`netgen-path/${pathIdentity(path)}`, room)}`;
  hashedNames.set(path, { bundle, name });
  return name;
}

/**
 * A path's hashed tunnel name and its identity, derived once: validation,
 * planning and both ends of the bundle each ask for them (150,000 hashes for
 * 10,000 hosts). A Path is not changed after the inventory is read.
 */
const hashedNames = new WeakMap<Path, { bundle: string; name: string }>();
const identities = new WeakMap<Path, string>();

/**
 * What identifies a path whatever its position: its name, else the uplinks it
 * joins, keyed by host (so the order of the ends does not matter either).
 */
export function pathIdentity(path: Path): string {
  if (path.name !== undefined) return `name:${path.name}`;
  let identity = identities.get(path);
  if (identity === undefined) {
    identity = [...path.uplinks].map(([host, uplink]) => `${host}=${uplink}`).sort().join(",");
    identities.set(path, identity);
  }
  return identity;
}

/** How a path reads in descriptions: its name, else the uplinks it joins. */
export function pathLabel(bundle: Bundle, path: Path): string {
  return path.name ?? bundle.ends.map((e) => path.uplinks.get(e.host) ?? "?").join("-");
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
  const bytes = sha256(`netgen-mac/${host}/${device}`).subarray(0, 6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * SHA-256 in one call: crypto.hash (node 20.12) skips the Hash object that
 * createHash builds, a third of the cost for names this short, and planning
 * a 10,000-host fleet derives a few hundred thousand of them. Same bytes.
 */
function sha256(text: string): Buffer {
  return hash("sha256", text, "buffer");
}

/** `length` base-36 digits ([0-9a-z]) of a hash of `text`. */
function base36(text: string, length: number): string {
  const value = sha256(text).readBigUInt64BE(0);
  return (value % 36n ** BigInt(length)).toString(36).padStart(length, "0");
}

function hex(text: string, bytes: number): string {
  return sha256(text).toString("hex").slice(0, bytes * 2);
}

/**
 * The WireGuard link under a bond's gretap (failover, balance-rr): `wg` and a
 * hash of the bundle and the path's identity, since the gretap keeps the
 * path's readable name (the bond's slaves are what an operator reads in
 * /proc/net/bonding). ecmp and teql use the link itself as the path's device:
 * it gets the tunnel name.
 */
export function wireguardLinkName(bundle: Bundle, path: Path): string {
  if (bundle.strategy === "ecmp" || bundle.strategy === "teql") return tunnelName(bundle.name, path);
  return `wg${base36(`netgen-wg/${bundle.name}/${pathIdentity(path)}`, 6)}`;
}
