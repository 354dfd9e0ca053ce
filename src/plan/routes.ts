// Routes an end sends through its bundle, shared by the strategies.
import { addressIn, familiesOf } from "../inventory/ends.js";
import type { End } from "../inventory/types.js";
import type { Family } from "../net/address.js";
import type { RoutePlan } from "./model.js";

/** The bundle's default route wins over every uplink's (UPLINK_METRIC_BASE). */
export const BUNDLE_DEFAULT_METRIC = 100;

/**
 * Routes through a bundle device towards the peer's bundle address of the
 * route's family (IPv6 routes through the IPv6 next hop). A default route is
 * made in every family both ends are addressed in.
 */
export function routesVia(end: End, peer: End, bundle: string): RoutePlan[] {
  const routes: RoutePlan[] = [];
  const via = (family: Family) => addressIn(peer, family)?.ip.text;
  if (end.defaultRoute) {
    for (const family of familiesOf(end)) {
      const gateway = via(family);
      if (gateway) routes.push({ why: `default route${familiesOf(end).length > 1 ? ` (IPv${family})` : ""} through ${bundle}`, gateway, metric: BUNDLE_DEFAULT_METRIC, nexthops: [] });
    }
  }
  for (const r of end.routes) {
    const gateway = r.cidr ? via(r.cidr.ip.family) : undefined;
    if (gateway) routes.push({ why: `${r.text} through ${bundle}`, destination: r.text, gateway, nexthops: [] });
  }
  return routes;
}
