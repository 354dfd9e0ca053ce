// masquerade: traffic arriving from the host's bundles leaves each
// masquerading uplink with that uplink's address, and the host forwards
// nothing else than what the inventory declares.
//
// An explicit nftables rule (iifname bundle, oifname uplink) rather than
// networkd's IPMasquerade=: that one masquerades traffic coming *from* the
// interface it is set on, and when NAT cannot be set up networkd marks the link
// failed and leaves it unconfigured, taking the bundle down with the NAT.
//
// The forward policy: forwarding is one host-wide switch (forwarding.ts), so
// without a filter a machine on the exit's uplink segment could route into the
// bundle networks (issue 14). Only a
// masquerading host gets it: it is the one host whose inventory lists every
// interface it forwards for (bundles out to the uplink). A gateway forwards for
// a LAN the inventory does not describe; a drop policy there would cut it off.
import { lookup } from "../inventory/lookup.js";
import { networkText } from "../net/address.js";
import type { Bundle, Host, Inventory } from "../inventory/types.js";
import type { HostBuilder } from "./builder.js";
import type { NatPlan } from "./model.js";
import { teqlDevice } from "./names.js";
import type { WireguardBundle } from "./wireguard.js";

export function planNat(b: HostBuilder, inventory: Inventory, host: Host, wireguard: ReadonlyMap<string, WireguardBundle>): void {
  const uplinks = host.uplinks.filter((u) => u.masquerade);
  if (uplinks.length === 0) return;
  const bundles = lookup(inventory)
    .bundlesOf(host.name)
    .map((x) => bundleDevices(inventory, host.name, x, wireguard.get(x.name)))
    .sort((x, y) => (x.sends[0]! < y.sends[0]! ? -1 : x.sends[0]! > y.sends[0]! ? 1 : 0));
  const from = [...new Set(bundles.flatMap((x) => x.receives))].sort();
  const rules = uplinks.map((u) => ({ from, to: u.name }));
  b.setNat({
    rules,
    forward: [...rules.map((r) => ({ from: r.from, to: [r.to] })), ...bundles.flatMap((x) => routedInto(x, bundles, host.name))],
  });
  // Forwarding for the families the bundles carry (their own planners turn it on only for a default route).
  // (An ecmp end has no address of its own: its traffic is IPv4 or IPv6 as its paths are; IPv4 here.)
  const families = new Set(bundles.flatMap((x) => x.bundle.ends.filter((e) => e.host === host.name).map((e) => e.address?.ip.family ?? 4)));
  for (const family of [...families].sort()) b.forward(family, "this host masquerades its bundles' traffic out of its uplinks");
  // nft_ct for the forward chain's "ct state": a kernel that cannot load modules on demand (the
  // lab VM) refused the whole file without it ("Could not process rule").
  for (const m of ["nf_tables", "nft_chain_nat", "nft_masq", "nft_ct"]) b.module(m);
}

/**
 * The devices a bundle's traffic arrives on at this host, and those it is sent
 * by. A bond or bridge is both. A teql device only sends: what the far end sends
 * arrives on the members (teql.ts sets rp_filter for that). An ecmp bundle has
 * no device: its next hops and its arrivals are the path uplinks. Over
 * wireguard, the paths' WireGuard links take the uplinks' place.
 */
function bundleDevices(inventory: Inventory, host: string, bundle: Bundle, wireguard?: WireguardBundle): { bundle: Bundle; receives: string[]; sends: string[] } {
  const members = (wireguard ? wireguard.links.map((l) => l.device) : bundle.paths.map((p) => p.uplinks.get(host)!)).sort();
  if (bundle.strategy === "teql") return { bundle, receives: members, sends: [teqlDevice(inventory, host, bundle.name)] };
  if (bundle.strategy === "ecmp") return { bundle, receives: members, sends: members };
  return { bundle, receives: [bundle.name], sends: [bundle.name] };
}

/**
 * From the other bundles into this one, only towards the prefixes this host's
 * end declares in `routes:` (what the inventory says lies behind the peer).
 */
function routedInto(x: ReturnType<typeof bundleDevices>, all: ReturnType<typeof bundleDevices>[], host: string): NatPlan["forward"] {
  const others = [...new Set(all.filter((o) => o !== x).flatMap((o) => o.receives))].filter((d) => !x.receives.includes(d)).sort();
  const routes = x.bundle.ends.find((e) => e.host === host)!.routes;
  if (others.length === 0 || routes.length === 0) return [];
  return (["ip", "ip6"] as const)
    .map((family) => ({ family, prefixes: routes.filter((r) => (r.cidr!.ip.family === 4) === (family === "ip")).map((r) => networkText(r.cidr!)) }))
    .filter((d) => d.prefixes.length > 0)
    .map((daddr) => ({ from: others, to: x.sends, daddr }));
}
