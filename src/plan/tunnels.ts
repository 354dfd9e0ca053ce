// The tunnels of every gretap bundle in the inventory, derived once for both
// ends: outer addresses, GRE keys and MTUs cannot disagree between the ends
// because neither end's values are typed; both come from here.
import { createHash } from "node:crypto";
import type { Family } from "../net/address.js";
import type { Bundle, Inventory, Uplink } from "../inventory/types.js";
import { lookup } from "../inventory/lookup.js";
import { gretapOverhead, tunnelMtu } from "./mtu.js";
import { pathIdentity, pathLabel, tunnelName } from "./names.js";
import { bondsTunnels } from "./devices.js";
import type { WireguardBundle } from "./wireguard.js";

export interface TunnelEnd {
  host: string;
  uplink: Uplink;
  /** The device the tunnel is bound to (Tunnel=): the uplink, or the path's WireGuard link. */
  underlay: string;
  local: string;
  remote: string;
}

export interface Tunnel {
  bundle: string;
  /** The path's position: for messages only (see Path.index). */
  path: number;
  name: string;
  /** The path in descriptions ("fiber", "fibre-public"): its name or its uplinks, never its position. */
  label: string;
  /** Identifies the path in its bundle whatever its position: GRE keys are derived from it. */
  identity: string;
  family: Family;
  /** GRE key, where another tunnel joins the same two outer addresses. */
  key?: number;
  primary: boolean;
  ends: [TunnelEnd, TunnelEnd];
  mtu: number;
  /**
   * Bytes a frame sent into the tunnel gains by the time it leaves the uplink
   * (gretap, and the WireGuard link's own under it): what a shaper ahead of the
   * tunnel adds to each packet to count it as the uplink's shaper will.
   */
  overhead: number;
}

export interface TunnelBundle {
  bundle: Bundle;
  tunnels: Tunnel[];
  /** One MTU for the aggregate and all its tunnels (a bond needs equal slaves). */
  mtu: number;
}

/**
 * Requires a valid inventory (all references resolve, gre uplinks have
 * addresses). A wireguard bundle's gretaps run over its WireGuard links, from
 * link address to link address.
 */
export function planTunnels(inventory: Inventory, wireguard: ReadonlyMap<string, WireguardBundle>): Map<string, TunnelBundle> {
  const uplinkOf = (host: string, name: string): Uplink | undefined => lookup(inventory).uplink(host, name);
  const drafts: Tunnel[] = [];
  const underlayMtu = new Map<Tunnel, number>();
  for (const bundle of inventory.bundles) {
    if (!bondsTunnels(bundle.strategy)) continue;
    const hasPrimary = bundle.paths.some((p) => p.primary);
    const primaryOf = (index: number, primary: boolean) => bundle.strategy === "failover" && (hasPrimary ? primary : index === 0);
    if (bundle.transport === "wireguard") {
      for (const link of wireguard.get(bundle.name)?.links ?? []) {
        const [a, b] = link.ends;
        const t: Tunnel = {
          bundle: bundle.name,
          path: link.path.index,
          name: tunnelName(bundle.name, link.path),
          label: link.label,
          identity: link.identity,
          family: link.family,
          primary: primaryOf(link.path.index, link.path.primary),
          ends: [
            { host: a.host, uplink: a.uplink, underlay: link.device, local: a.ip, remote: b.ip },
            { host: b.host, uplink: b.uplink, underlay: link.device, local: b.ip, remote: a.ip },
          ],
          mtu: 0,
          overhead: link.overhead,
        };
        drafts.push(t);
        underlayMtu.set(t, link.mtu);
      }
      continue;
    }
    for (const path of bundle.paths) {
      const [a, b] = bundle.ends.map((e) => uplinkOf(e.host, path.uplinks.get(e.host) ?? ""));
      if (!a?.address || !b?.address) continue;
      const ends: [TunnelEnd, TunnelEnd] = [
        // public: (1:1 NAT) is where the far end sends; the local end still binds its own address.
        { host: a.host, uplink: a, underlay: a.name, local: a.address.ip.text, remote: (b.public ?? b.address.ip).text },
        { host: b.host, uplink: b, underlay: b.name, local: b.address.ip.text, remote: (a.public ?? a.address.ip).text },
      ];
      const primary = primaryOf(path.index, path.primary);
      drafts.push({
        bundle: bundle.name,
        path: path.index,
        name: tunnelName(bundle.name, path),
        label: pathLabel(bundle, path),
        identity: pathIdentity(path),
        family: a.address.ip.family,
        primary,
        ends,
        mtu: 0,
        overhead: 0,
      });
    }
  }
  assignKeys(drafts);
  const byBundle = new Map<string, Tunnel[]>();
  for (const t of drafts) {
    const list = byBundle.get(t.bundle);
    if (list) list.push(t);
    else byBundle.set(t.bundle, [t]);
  }
  const result = new Map<string, TunnelBundle>();
  for (const bundle of inventory.bundles) {
    const tunnels = byBundle.get(bundle.name);
    if (tunnels === undefined) continue;
    const under = (t: Tunnel) => underlayMtu.get(t) ?? Math.min(t.ends[0].uplink.mtu, t.ends[1].uplink.mtu);
    const mtu = Math.min(...tunnels.map((t) => tunnelMtu(under(t), t.family, t.key !== undefined)));
    for (const t of tunnels) {
      t.mtu = mtu;
      t.overhead += gretapOverhead(t.family, t.key !== undefined);
    }
    result.set(bundle.name, { bundle, tunnels, mtu });
  }
  return result;
}

/**
 * Tunnels that join the same two outer addresses cannot be told apart by the
 * kernel without a GRE key. Each tunnel of such a group gets a key hashed from
 * its bundle and path identity, not numbered by position: removing or
 * reordering a path must not change another tunnel's key (a key change
 * recreates the tunnel). A clash (odds 1 in 2^32 per pair) moves the later
 * tunnel, in identity order, to the next free key.
 */
function assignKeys(tunnels: Tunnel[]): void {
  const groups = new Map<string, Tunnel[]>();
  for (const t of tunnels) {
    const id = [t.ends[0].local, t.ends[1].local].sort().join("|");
    // Appended in place: a copy per tunnel is quadratic where many share two addresses.
    const group = groups.get(id);
    if (group) group.push(t);
    else groups.set(id, [t]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const used = new Set<number>();
    const id = (t: Tunnel) => `${t.bundle}/${t.identity}`;
    for (const t of [...group].sort((x, y) => (id(x) < id(y) ? -1 : id(x) > id(y) ? 1 : 0))) {
      let key = greKey(id(t));
      while (used.has(key)) key = key === 0xffffffff ? 1 : key + 1;
      used.add(key);
      t.key = key;
    }
  }
}

/** A GRE key from 1 to 2^32 - 1 (0 reads as "no key" in some tools). */
function greKey(identity: string): number {
  const value = createHash("sha256").update(`netgen-gre-key/${identity}`).digest().readUInt32BE(0);
  return value === 0 ? 1 : value;
}
