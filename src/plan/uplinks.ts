// Uplinks and loopbacks: the host's own interfaces.
import type { Host } from "../inventory/types.js";
import { blankNetwork, type HostBuilder } from "./builder.js";

/** An uplink's default route: after any bundle's default route (see BUNDLE_DEFAULT_METRIC). */
export const UPLINK_METRIC_BASE = 1024;

export function planUplinks(b: HostBuilder, host: Host): void {
  // An uplink that may lack carrier or a lease at boot: a DHCP line, or one behind NAT (an LTE modem).
  const mayBeAbsent = (u: Host["uplinks"][number]) => u.dhcp || u.nat;
  const steadyUplinks = host.uplinks.filter((u) => !mayBeAbsent(u)).length;
  for (const u of host.uplinks) {
    const network = b.own(blankNetwork(u.name, `uplink ${u.name}`, false));
    const metric = UPLINK_METRIC_BASE + u.order;
    if (u.addressText) network.addresses.push(u.addressText);
    if (u.dhcp) {
      // dhcp: true in the inventory is DHCPv4; IPv6 comes from router advertisements.
      network.dhcp = "ipv4";
      network.dhcpRouteMetric = metric;
    }
    // A DHCP or NATed uplink (an LTE modem, a DSL line) may have no carrier or
    // no lease at boot: systemd-networkd-wait-online would hold
    // network-online.target for its whole timeout (120 s). Not required, as long
    // as a steady uplink still is: with no link required at all, wait-online
    // waits for its timeout every boot (systemd issues #29388, #31186), so a
    // host with such uplinks only keeps them required.
    if (mayBeAbsent(u) && steadyUplinks > 0) network.requiredForOnline = false;
    if (u.gatewayText) {
      // Every uplink keeps a default route of its own, each with its own metric:
      // tunnels bound to an uplink (Tunnel=) look up their far end on it.
      network.routes.push({ why: `internet through ${u.name}`, gateway: u.gatewayText, metric, nexthops: [] });
    }
  }
}

export function planLoopbacks(b: HostBuilder, host: Host): void {
  for (const lo of host.loopbacks) {
    b.addNetdev({ name: lo.name, kind: "dummy", description: `loopback ${lo.name} holding ${lo.addressText}` });
    const network = b.own(blankNetwork(lo.name, `loopback ${lo.name}`, true));
    network.addresses.push(lo.addressText);
    network.configureWithoutCarrier = true;
    // dummy creates dummy0 by itself when loaded; let networkd create what the inventory names.
    b.module("dummy", { options: "numdummies=0", why: "networkd creates the dummy devices netgen names" });
  }
}
