// Forwarding: one host-wide switch per family in sysctl.d (net.ipv4.ip_forward,
// net.ipv6.conf.all.forwarding), and no forwarding directive in any .network.
//
// Why not networkd's directives: they mean different things across the systemd
// versions an inventory declares.
// - Up to 255, IPForward= in any .network turns on the *global* switch (and
//   networkd never turns it off again).
// - From 256 (systemd PR #31423), IPForward= is ignored with a warning, and
//   IPv4Forwarding=/IPv6Forwarding= in a .network set that link's own
//   net.ipv4.conf.<link>.forwarding. IPv4 forwards a packet when the link it
//   *arrives on* forwards, so a gateway with IPv4Forwarding= on its bundle only
//   stops forwarding its LAN's traffic: the LAN is not in the inventory, its
//   .network is not netgen's. Per-link IPv6 forwarding does not filter at all:
//   only all/forwarding decides (systemd issue #33414).
// - A link whose .network says nothing keeps the kernel's value on every version
//   (networkd-sysctl.c: "keep" unless networkd.conf sets the global), so the
//   sysctl.d value holds whatever networkd runs.
// What forwards is then limited by nftables where the inventory says what may
// pass (a masquerading exit's forward policy, nat.ts), not by a per-link switch.
import { familiesOf } from "../inventory/ends.js";
import type { End } from "../inventory/types.js";
import type { Family } from "../net/address.js";
import type { HostBuilder } from "./builder.js";

/**
 * The end that carries the default route routes its LAN into the bundle, in
 * every family it has a default route in: its addresses' (dual stack: both),
 * or for ecmp, which has no address, its next hops'.
 */
export function forwardForDefaultRoute(b: HostBuilder, end: End, bundle: string, families: Family[] = familiesOf(end)): void {
  if (!end.defaultRoute) return;
  for (const family of families) b.forward(family, `${bundle} carries this host's default route for the LAN behind it`);
}
