// The MTU of a gretap bundle, derived once from the underlay so both ends agree.
//
// gretap carries Ethernet frames: outer IP header + 4-byte GRE header + the
// inner 14-byte Ethernet header (no FCS is carried). 1500 - 20 - 4 - 14 = 1462,
// as measured in the first write-up; a GRE key adds 4 bytes. Over IPv6,
// 1500 - 40 - 4 - 14 = 1442 holds because the tunnels carry no encapsulation
// limit option (tunnel-bundles.ts; the kernel's default would take 8 more).
import type { Family } from "../net/address.js";

const OUTER_IP: Record<Family, number> = { 4: 20, 6: 40 };
const GRE_HEADER = 4;
const GRE_KEY = 4;
const INNER_ETHERNET = 14;

export function gretapOverhead(underlay: Family, keyed: boolean): number {
  return OUTER_IP[underlay] + GRE_HEADER + (keyed ? GRE_KEY : 0) + INNER_ETHERNET;
}

export function tunnelMtu(underlayMtu: number, underlay: Family, keyed: boolean): number {
  return underlayMtu - gretapOverhead(underlay, keyed);
}
