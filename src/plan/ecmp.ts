// ecmp: no tunnel; a multipath route to each destination, one next hop per
// path (the far end's address on that path's subnet). The kernel hashes per
// flow: with fib_multipath_hash_policy=1 (layer 4) different flows spread over
// the paths, while one TCP flow still uses one path (the second write-up's
// 5.06 Mbit/s).
import { lookup } from "../inventory/lookup.js";
import type { Bundle, Inventory } from "../inventory/types.js";
import type { HostBuilder } from "./builder.js";
import type { RoutePlan } from "./model.js";
import { clampNarrowBundle } from "./firewall.js";
import { forwardForDefaultRoute } from "./forwarding.js";
import { BUNDLE_DEFAULT_METRIC } from "./routes.js";
import { endsOf, type WireguardBundle } from "./wireguard.js";

/** Over wireguard, each next hop is the far end of a WireGuard link instead of a direct link. */
export function planEcmp(b: HostBuilder, inventory: Inventory, bundle: Bundle, wireguard?: WireguardBundle): void {
  const host = b.host;
  const end = bundle.ends.find((e) => e.host === host)!;
  const peer = bundle.ends.find((e) => e.host !== host)!;
  const uplinkOf = (h: string, name: string) => lookup(inventory).uplink(h, name)!;
  const nexthops = wireguard
    ? wireguard.links.map((l) => ({ via: endsOf(l, host).peer.ip, dev: l.device, weight: l.path.weight ?? 1 }))
    : bundle.paths.map((p) => ({
        via: uplinkOf(peer.host, p.uplinks.get(peer.host)!).address!.ip.text,
        dev: p.uplinks.get(host)!,
        weight: p.weight ?? 1,
      }));
  const from = `ecmp bundle ${bundle.name}`;
  const family = nexthops[0]!.via.includes(":") ? 6 : 4;
  const routes: RoutePlan[] = [];
  // networkd ignores a [Route] with neither Gateway= nor Destination=, so a
  // multipath default route names its destination explicitly.
  const anywhere = family === 4 ? "0.0.0.0/0" : "::/0";
  if (end.defaultRoute) routes.push({ why: `default route over every path of ${bundle.name}`, destination: anywhere, metric: BUNDLE_DEFAULT_METRIC, nexthops });
  for (const r of end.routes) routes.push({ why: `${r.text} over every path of ${bundle.name}`, destination: r.text, nexthops });
  // The routes go in the first path's uplink file (any uplink of the bundle would do: one place, stable).
  b.contribute(nexthops[0]!.dev, { from, routes });
  forwardForDefaultRoute(b, end, bundle.name, [family]);
  // Over wireguard the paths are narrower than the uplinks: what leaves by them gets its MSS clamped.
  if (wireguard) for (const hop of nexthops) clampNarrowBundle(b, hop.dev, wireguard.mtu, wireguard.links.map((l) => endsOf(l, host).mine.uplink.mtu));
  b.sysctl(`net/ipv${family}/fib_multipath_hash_policy`, "1", `ecmp bundle ${bundle.name}: hash on ports too, so different flows take different paths`);
  for (const hop of nexthops) {
    // The route stays when one member loses carrier; the kernel then skips that next hop.
    b.contribute(hop.dev, { from, ignoreCarrierLoss: true });
    if (family === 4) b.sysctl(`net/ipv4/conf/${hop.dev}/ignore_routes_with_linkdown`, "1", `ecmp bundle ${bundle.name}: no flow is hashed onto a member without carrier`);
  }
}
