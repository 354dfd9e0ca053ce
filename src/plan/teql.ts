// teql: the paths' uplinks become members of a trivial link equalizer (per
// packet round robin); the end's address and routes live on the teqlN device.
// sch_teql creates teql0..teqlN-1 when it loads, so the count is a module
// option, loaded at boot before networkd starts.
import type { Bundle, Inventory } from "../inventory/types.js";
import { blankNetwork, type HostBuilder } from "./builder.js";
import { teqlBundles, teqlDevice } from "./names.js";
import { clampNarrowBundle } from "./firewall.js";
import { forwardForDefaultRoute } from "./forwarding.js";
import { routesVia } from "./routes.js";
import { equalizerStart } from "./tc.js";
import { endsOf, type WireguardBundle } from "./wireguard.js";

/** Over wireguard, the members are the paths' WireGuard links instead of the uplinks. */
export function planTeql(b: HostBuilder, inventory: Inventory, bundle: Bundle, wireguard?: WireguardBundle): void {
  const host = b.host;
  const end = bundle.ends.find((e) => e.host === host)!;
  const peer = bundle.ends.find((e) => e.host !== host)!;
  const device = teqlDevice(inventory, host, bundle.name);
  const count = teqlBundles(inventory, host).length;
  b.module("sch_teql", { options: `max_equalizers=${count}`, why: count === 1 ? "teql0 for this host's teql bundle" : `teql0..teql${count - 1} for this host's teql bundles` });
  const network = b.own(blankNetwork(device, `teql bundle ${bundle.name}`, true));
  network.addresses.push(...end.addresses.map((a) => a.text));
  // IPv6 neighbour discovery on the equalizer needs its link-local address.
  if (end.addresses.some((a) => a.cidr?.ip.family === 6)) network.linkLocalAddressing = undefined;
  network.configureWithoutCarrier = true;
  forwardForDefaultRoute(b, end, bundle.name); // and on a NAT host: nat.ts
  network.routes.push(...routesVia(end, peer, bundle.name));
  const members = wireguard ? wireguard.links.map((l) => l.device) : bundle.paths.map((p) => p.uplinks.get(host)!);
  // teqlN takes its members' smallest MTU: over wireguard, narrower than the uplinks.
  if (wireguard) clampNarrowBundle(b, device, wireguard.mtu, wireguard.links.map((l) => endsOf(l, host).mine.uplink.mtu));
  b.addEqualizer({ device, members, start: equalizerStart(device, members) });
  for (const member of members) {
    // The equalizer is the member's root qdisc (so no HTB root here: shaping.ts).
    b.contribute(member, { from: `teql bundle ${bundle.name}`, teql: { parent: "root", id: Number(device.slice(4)) } });
    // Packets for the teql address arrive on a member while the route back to
    // the peer points at the teql device: strict reverse-path filtering drops them.
    b.sysctl(`net/ipv4/conf/${member}/rp_filter`, "2", `teql member of ${bundle.name}: loose reverse-path filter`);
  }
}
