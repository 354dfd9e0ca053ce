// The WireGuard links of every `transport: wireguard` bundle, derived once for
// both ends (like tunnels.ts for gre): addresses, ports, the end that listens
// and MTUs cannot disagree between the ends because both come from here.
//
// One link per path. The end that can be reached (a fixed address or public:,
// and no nat: true) listens on port + path index; the other dials it with a
// keepalive, so DHCP, LTE and CGNAT uplinks can carry a path. When both can be
// reached, the end without default_route listens (the exit, usually); when
// neither end has one either, the second end listed. Validation refuses a path
// whose ends are both unreachable.
import { formatIp, networkOf, type Family } from "../net/address.js";
import { lookup } from "../inventory/lookup.js";
import type { Bundle, Inventory, Path, Uplink } from "../inventory/types.js";
import { pathIdentity, pathLabel, wireguardLinkName } from "./names.js";

/** IPv4 outer header 20 + UDP 8 + WireGuard 32 (IPv6 outer: 40 + 8 + 32). */
const WIREGUARD_OVERHEAD: Record<Family, number> = { 4: 60, 6: 80 };
/**
 * Seconds between keepalives from the dialing end: NAT and CGNAT mappings of
 * idle UDP flows last 30 s and more, and 25 s is WireGuard's own advice.
 */
export const KEEPALIVE_SECONDS = 25;

export interface WireguardEnd {
  host: string;
  uplink: Uplink;
  /** This end's address on the link, with its /31 (or /127). */
  address: string;
  /** The same without the prefix. */
  ip: string;
}

export interface WireguardLink {
  bundle: Bundle;
  path: Path;
  /** The path in descriptions: its name or its uplinks. */
  label: string;
  identity: string;
  device: string;
  /** The listening end (index into ends); the other dials `endpoint`. */
  listener: 0 | 1;
  port: number;
  /** What the dialing end sends to: the listener's public: or fixed address, and the port. */
  endpoint: string;
  /** The link's own MTU: the smaller uplink MTU less WireGuard's encapsulation. */
  mtu: number;
  /** Bytes each packet gains on its way out of the uplink: outer IP, UDP and WireGuard's header and tag (before padding). */
  overhead: number;
  family: Family;
  ends: [WireguardEnd, WireguardEnd];
}

export interface WireguardBundle {
  bundle: Bundle;
  links: WireguardLink[];
  /** One MTU for every link of the bundle (a bond needs equal slaves; teql and ecmp equal paths). */
  mtu: number;
}

/** Whether peers can reach this uplink: an address they can send to, and no NAT in the way. */
export function reachable(u: Uplink): boolean {
  return !u.nat && (u.publicText !== undefined || (u.address !== undefined && !u.dhcp));
}

/** Which end of a path listens, or undefined when neither can be reached (validation reports it). */
export function listenerOf(bundle: Bundle, a: Uplink, b: Uplink): 0 | 1 | undefined {
  const [ra, rb] = [reachable(a), reachable(b)];
  if (ra !== rb) return ra ? 0 : 1;
  if (!ra) return undefined;
  const [da, db] = bundle.ends.map((e) => e.defaultRoute);
  if (da && !db) return 1;
  if (db && !da) return 0;
  return 1;
}

/** Requires a valid inventory (references resolve, link_subnet holds every path). */
export function planWireguardLinks(inventory: Inventory): Map<string, WireguardBundle> {
  const index = lookup(inventory);
  const result = new Map<string, WireguardBundle>();
  for (const bundle of inventory.bundles) {
    if (bundle.transport !== "wireguard" || bundle.linkSubnet === undefined) continue;
    const subnet = bundle.linkSubnet;
    const family = subnet.ip.family;
    const prefix = family === 4 ? 31 : 127;
    const links: WireguardLink[] = [];
    for (const path of bundle.paths) {
      const uplinks = bundle.ends.map((e) => index.uplink(e.host, path.uplinks.get(e.host) ?? ""));
      const [a, b] = uplinks;
      if (a === undefined || b === undefined) continue;
      const listener = listenerOf(bundle, a, b);
      if (listener === undefined) continue;
      const base = networkOf(subnet) + 2n * BigInt(path.index);
      const end = (u: Uplink, k: 0 | 1): WireguardEnd => {
        const ip = formatIp(family, base + BigInt(k));
        return { host: u.host, uplink: u, address: `${ip}/${prefix}`, ip };
      };
      const heard = listener === 0 ? a : b;
      const port = bundle.port + path.index;
      const outer = outerFamily(heard);
      links.push({
        bundle,
        path,
        label: pathLabel(bundle, path),
        identity: pathIdentity(path),
        device: wireguardLinkName(bundle, path),
        listener,
        port,
        endpoint: endpointText(heard, port),
        mtu: Math.min(a.mtu, b.mtu) - WIREGUARD_OVERHEAD[outer],
        overhead: WIREGUARD_OVERHEAD[outer],
        family,
        ends: [end(a, 0), end(b, 1)],
      });
    }
    if (links.length === 0) continue;
    const mtu = Math.min(...links.map((l) => l.mtu));
    for (const l of links) l.mtu = mtu;
    result.set(bundle.name, { bundle, links, mtu });
  }
  return result;
}

/**
 * The family of the packets that carry the link. A DNS name could resolve to
 * either: the IPv6 overhead, 20 bytes more, is assumed so that it fits both.
 */
function outerFamily(heard: Uplink): Family {
  if (heard.public !== undefined) return heard.public.family;
  if (heard.publicText !== undefined) return 6;
  return heard.address?.ip.family ?? 4;
}

function endpointText(heard: Uplink, port: number): string {
  const host = heard.public?.text ?? heard.publicText ?? heard.address!.ip.text;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The end of `link` on `host`, and the other. */
export function endsOf(link: WireguardLink, host: string): { mine: WireguardEnd; peer: WireguardEnd; listens: boolean } {
  const k = link.ends[0].host === host ? 0 : 1;
  return { mine: link.ends[k]!, peer: link.ends[1 - k]!, listens: link.listener === k };
}
