// One host's side of its WireGuard links (wireguard.ts derives them for both
// ends): the wireguard netdev with its one peer, the link's address, and the
// routing that binds the link to its uplink.
//
// Bound to its uplink: WireGuard has no "bind to device". Each link marks its
// own UDP packets (FirewallMark=), and a routing policy rule sends marked
// packets to a table of the uplink's own: its subnet and gateway (or its DHCP
// lease's routes), then an unreachable default, so that a path whose uplink is
// down fails instead of leaving by another uplink (or through the bundle
// itself), which would hide the dead path from the bond's ARP monitor. The
// rule and the unreachable default are the link's own configuration, not the
// uplink's: networkd drops an uplink's routes and rules when it loses carrier,
// and marked packets would then fall through to the main table.
import { ExitError } from "../errors.js";
import type { Host, Inventory, Uplink } from "../inventory/types.js";
import { bits, networkText } from "../net/address.js";
import { familiesOf } from "../inventory/ends.js";
import { privateKeyPath } from "../wireguard/keys.js";
import { blankNetwork, type HostBuilder } from "./builder.js";
import { endsOf, KEEPALIVE_SECONDS, type WireguardBundle, type WireguardLink } from "./wireguard.js";

/** After any route a lease or the inventory puts in the table. */
const UNREACHABLE_METRIC = 4294967295;

/** The routing table (and packet mark, and rule priority) of uplink number `order`. */
export function uplinkTable(u: Uplink): number {
  return 2000 + u.order;
}

export function planWireguardEnd(b: HostBuilder, inventory: Inventory, wb: WireguardBundle): void {
  const host = b.host;
  b.module("wireguard");
  const bundle = wb.bundle;
  for (const link of wb.links) {
    const { mine, peer, listens } = endsOf(link, host);
    b.addNetdev({
      name: link.device,
      kind: "wireguard",
      description: `path ${link.label} of ${bundle.name}: WireGuard over ${mine.uplink.name} to ${peer.host}`,
      mtu: wb.mtu,
      wireguard: {
        privateKeyFile: privateKeyPath(keyOf(inventory, host)),
        listenPort: listens ? link.port : undefined,
        firewallMark: uplinkTable(mine.uplink),
        peer: {
          publicKey: keyOf(inventory, peer.host),
          allowedIps: allowedIps(wb, link, host),
          endpoint: listens ? undefined : link.endpoint,
          keepaliveSeconds: listens ? undefined : KEEPALIVE_SECONDS,
        },
      },
    });
    // The firewall's input chain lets in the listening port, nothing else of WireGuard's.
    if (listens) b.acceptUdp(link.port, `WireGuard link of path ${link.label} of ${bundle.name} from ${peer.host}`);
    const network = b.own(blankNetwork(link.device, `WireGuard link of path ${link.label} of ${bundle.name}`, true));
    network.addresses.push(mine.address);
    const table = uplinkTable(mine.uplink);
    network.policyRules.push({ why: `this link's packets leave by ${mine.uplink.name}: its table`, firewallMark: table, table, priority: table, family: "both" });
    for (const destination of ["0.0.0.0/0", "::/0"]) {
      network.routes.push({ why: `nothing else: this link never leaves by another uplink than ${mine.uplink.name}`, table, type: "unreachable", destination, metric: UNREACHABLE_METRIC, nexthops: [] });
    }
  }
}

/**
 * What the peer may send and be sent, beyond which WireGuard drops packets.
 * Under a bond the link carries only gretap packets between the two link
 * addresses. ecmp and teql route over the link itself: the far end's bundle
 * address, what this end routes through the bundle, and everything when the
 * bundle is this end's default route.
 */
function allowedIps(wb: WireguardBundle, link: WireguardLink, host: string): string[] {
  const { peer } = endsOf(link, host);
  const hostPrefix = (ip: string) => `${ip}/${ip.includes(":") ? 128 : 32}`;
  const allowed = [hostPrefix(peer.ip)];
  const bundle = link.bundle;
  // ecmp has no bundle address: what the far host sends itself carries one of its
  // link addresses, and the kernel may hash that connection onto another link.
  if (bundle.strategy === "ecmp") for (const l of wb.links) allowed.push(hostPrefix(endsOf(l, host).peer.ip));
  if (bundle.strategy === "ecmp" || bundle.strategy === "teql") {
    const end = bundle.ends.find((e) => e.host === host)!;
    const far = bundle.ends.find((e) => e.host !== host)!;
    for (const a of far.addresses) if (a.cidr) allowed.push(`${a.cidr.ip.text}/${bits(a.cidr.ip.family)}`);
    for (const r of end.routes) if (r.cidr) allowed.push(networkText(r.cidr));
    if (end.defaultRoute) {
      // ecmp has no bundle address: its default route is of the links' family.
      const families = end.addresses.length > 0 ? familiesOf(end) : [link.family];
      for (const f of families) allowed.push(f === 6 ? "::/0" : "0.0.0.0/0");
    }
  }
  return [...new Set(allowed)];
}

function keyOf(inventory: Inventory, host: string): string {
  const key = inventory.publicKeys.get(host);
  // The pipeline refuses an inventory with a missing key before planning.
  if (key === undefined) throw new ExitError(`${host} has no WireGuard public key: run netgen keys ${inventory.file}`);
  return key;
}

/** Every uplink of `host` that carries a WireGuard link gets a table of its own routes. */
export function planUplinkTables(b: HostBuilder, host: Host, wireguard: ReadonlyMap<string, WireguardBundle>): void {
  const used = new Map<string, Uplink>();
  for (const wb of wireguard.values()) {
    for (const link of wb.links) for (const e of link.ends) if (e.host === host.name) used.set(e.uplink.name, e.uplink);
  }
  for (const u of [...used.values()].sort((x, y) => x.order - y.order)) {
    const table = uplinkTable(u);
    const from = `WireGuard links over ${u.name}`;
    const routes = [];
    if (u.address) {
      routes.push({ why: `${u.name}'s own subnet, in its table`, table, destination: networkText(u.address), nexthops: [] });
      if (u.gatewayText) routes.push({ why: `WireGuard packets leave by ${u.name}`, table, gateway: u.gatewayText, nexthops: [] });
    }
    b.contribute(u.name, {
      from,
      routes,
      ...(u.dhcp ? { dhcpRouteTable: table } : {}),
    });
    // The far end of a link is reached through the bundle in the main table: strict reverse-path filtering drops its packets.
    b.sysctl(`net/ipv4/conf/${u.name}/rp_filter`, "2", `WireGuard packets arrive on ${u.name} from far ends routed elsewhere: loose reverse-path filter`);
  }
}
