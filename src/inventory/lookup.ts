// Lookups over a typed inventory, built once per inventory: planning and the
// rules ask "which bundles end on this host" for every host, and a scan of all
// bundles each time would make 10,000 hosts quadratic.
import type { Bundle, Host, Inventory, Uplink } from "./types.js";

export interface Lookup {
  host(name: string): Host | undefined;
  uplink(host: string, name: string): Uplink | undefined;
  /** Bundles with an end on `host`, in inventory order. */
  bundlesOf(host: string): Bundle[];
  /** For a teql member: the uplink at the other end of its path. */
  teqlPeer(host: string, uplink: string): Uplink | undefined;
}

const cache = new WeakMap<Inventory, Lookup>();

export function lookup(inventory: Inventory): Lookup {
  let found = cache.get(inventory);
  if (found === undefined) {
    found = build(inventory);
    cache.set(inventory, found);
  }
  return found;
}

function build(inventory: Inventory): Lookup {
  const hosts = new Map(inventory.hosts.map((h) => [h.name, h]));
  // By host, then name: a "host/uplink" key would be built and hashed anew on every lookup.
  const uplinks = new Map<string, Map<string, Uplink>>();
  for (const h of inventory.hosts) {
    const own = uplinks.get(h.name) ?? new Map<string, Uplink>();
    for (const u of h.uplinks) own.set(u.name, u);
    uplinks.set(h.name, own);
  }
  const bundles = new Map<string, Bundle[]>();
  const teqlPeers = new Map<string, Uplink>();
  for (const bundle of inventory.bundles) {
    for (const end of bundle.ends) {
      const list = bundles.get(end.host);
      if (list) list.push(bundle);
      else bundles.set(end.host, [bundle]);
    }
    // Over wireguard teql's members are the WireGuard links, not the uplinks: each uplink keeps its own egress shaper.
    if (bundle.strategy !== "teql" || bundle.transport !== "gre" || bundle.ends.length !== 2) continue;
    const [a, b] = bundle.ends.map((e) => e.host) as [string, string];
    for (const path of bundle.paths) {
      const ua = uplinks.get(a)?.get(path.uplinks.get(a) ?? "");
      const ub = uplinks.get(b)?.get(path.uplinks.get(b) ?? "");
      if (ua && ub) teqlPeers.set(`${a}/${ua.name}`, ub).set(`${b}/${ub.name}`, ua);
    }
  }
  return {
    host: (name) => hosts.get(name),
    uplink: (host, name) => uplinks.get(host)?.get(name),
    bundlesOf: (host) => bundles.get(host) ?? [],
    teqlPeer: (host, uplink) => teqlPeers.get(`${host}/${uplink}`),
  };
}
