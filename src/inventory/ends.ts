// A bundle end's address in one family (a dual-stack end has one of each), and
// which end of a failover bundle fails over.
import type { Cidr, Family } from "../net/address.js";
import type { End } from "./types.js";

export function addressIn(end: End, family: Family): Cidr | undefined {
  return end.addresses.find((a) => a.cidr?.ip.family === family)?.cidr;
}

/** The families an end's addresses are in, IPv4 first. */
export function familiesOf(end: End): Family[] {
  return ([4, 6] as const).filter((f) => addressIn(end, f) !== undefined);
}

/** The end of a failover bundle that runs the active-backup bond: the one with default_route, else the first. */
export function failoverEndIndex(bundle: { ends: { defaultRoute: boolean }[] }): number {
  const marked = bundle.ends.findIndex((e) => e.defaultRoute);
  return marked < 0 ? 0 : marked;
}
