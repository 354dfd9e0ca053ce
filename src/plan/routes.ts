// Routes an end sends through its bundle, shared by the strategies.
import type { End } from "../inventory/types.js";
import type { RoutePlan } from "./model.js";

/** The bundle's default route wins over every uplink's (UPLINK_METRIC_BASE). */
export const BUNDLE_DEFAULT_METRIC = 100;

/** Routes through a bundle device towards the peer's bundle address. */
export function routesVia(end: End, peerAddress: string, bundle: string): RoutePlan[] {
  const routes: RoutePlan[] = [];
  if (end.defaultRoute) routes.push({ why: `default route through ${bundle}`, gateway: peerAddress, metric: BUNDLE_DEFAULT_METRIC, nexthops: [] });
  for (const r of end.routes) routes.push({ why: `${r.text} through ${bundle}`, destination: r.text, gateway: peerAddress, nexthops: [] });
  return routes;
}
