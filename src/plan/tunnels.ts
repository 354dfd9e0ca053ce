// The tunnels of every gretap bundle in the inventory, derived once for both
// ends: outer addresses, GRE keys and MTUs cannot disagree between the ends
// because neither end's values are typed; both come from here.
import type { Family } from "../net/address.js";
import type { Bundle, Inventory, Uplink } from "../inventory/types.js";
import { lookup } from "../inventory/lookup.js";
import { tunnelMtu } from "./mtu.js";
import { tunnelName } from "./names.js";

export interface TunnelEnd {
  host: string;
  uplink: Uplink;
  local: string;
  remote: string;
}

export interface Tunnel {
  bundle: string;
  path: number;
  name: string;
  family: Family;
  /** GRE key, where another tunnel joins the same two outer addresses. */
  key?: number;
  primary: boolean;
  ends: [TunnelEnd, TunnelEnd];
  mtu: number;
}

export interface TunnelBundle {
  bundle: Bundle;
  tunnels: Tunnel[];
  /** One MTU for the aggregate and all its tunnels (a bond needs equal slaves). */
  mtu: number;
}

/** Requires a valid inventory (all references resolve, tunnel uplinks have addresses). */
export function planTunnels(inventory: Inventory): Map<string, TunnelBundle> {
  const uplinkOf = (host: string, name: string): Uplink | undefined => lookup(inventory).uplink(host, name);
  const drafts: Tunnel[] = [];
  for (const bundle of inventory.bundles) {
    if (bundle.strategy !== "failover" && bundle.strategy !== "balance-rr") continue;
    const hasPrimary = bundle.paths.some((p) => p.primary);
    for (const path of bundle.paths) {
      const [a, b] = bundle.ends.map((e) => uplinkOf(e.host, path.uplinks.get(e.host) ?? ""));
      if (!a?.address || !b?.address) continue;
      const ends: [TunnelEnd, TunnelEnd] = [
        { host: a.host, uplink: a, local: a.address.ip.text, remote: b.address.ip.text },
        { host: b.host, uplink: b, local: b.address.ip.text, remote: a.address.ip.text },
      ];
      const primary = bundle.strategy === "failover" && (hasPrimary ? path.primary : path.index === 0);
      drafts.push({ bundle: bundle.name, path: path.index, name: tunnelName(bundle.name, path.index), family: a.address.ip.family, primary, ends, mtu: 0 });
    }
  }
  assignKeys(drafts);
  const byBundle = new Map<string, Tunnel[]>();
  for (const t of drafts) byBundle.set(t.bundle, [...(byBundle.get(t.bundle) ?? []), t]);
  const result = new Map<string, TunnelBundle>();
  for (const bundle of inventory.bundles) {
    const tunnels = byBundle.get(bundle.name);
    if (tunnels === undefined) continue;
    const mtu = Math.min(...tunnels.map((t) => tunnelMtu(Math.min(t.ends[0].uplink.mtu, t.ends[1].uplink.mtu), t.family, t.key !== undefined)));
    for (const t of tunnels) t.mtu = mtu;
    result.set(bundle.name, { bundle, tunnels, mtu });
  }
  return result;
}

/**
 * Tunnels that join the same two outer addresses cannot be told apart by the
 * kernel without a GRE key. Each such group gets keys 1..n in (bundle, path)
 * order, the same order on both ends.
 */
function assignKeys(tunnels: Tunnel[]): void {
  const groups = new Map<string, Tunnel[]>();
  for (const t of tunnels) {
    const id = [t.ends[0].local, t.ends[1].local].sort().join("|");
    groups.set(id, [...(groups.get(id) ?? []), t]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort((x, y) => (x.bundle === y.bundle ? x.path - y.path : x.bundle < y.bundle ? -1 : 1));
    group.forEach((t, i) => (t.key = i + 1));
  }
}
