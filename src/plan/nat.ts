// masquerade: traffic arriving from the host's bundle devices leaves each
// masquerading uplink with that uplink's address, and the host forwards
// nothing else than what the inventory declares.
//
// An explicit nftables rule (iifname bundle, oifname uplink) rather than
// networkd's IPMasquerade=: that one masquerades traffic coming *from* the
// interface it is set on, and when NAT cannot be set up networkd marks the link
// failed and leaves it unconfigured, taking the bundle down with the NAT.
//
// The forward policy: up to systemd 255 IPForward= on any link turns on
// net.ipv4.ip_forward for every interface, so without a filter a machine on the
// exit's uplink segment could route into the bundle networks (issue 14). Only a
// masquerading host gets it: it is the one host whose inventory lists every
// interface it forwards for (bundles out to the uplink). A gateway forwards for
// a LAN the inventory does not describe; a drop policy there would cut it off.
import { lookup } from "../inventory/lookup.js";
import { networkText } from "../net/address.js";
import type { Bundle, Host, Inventory } from "../inventory/types.js";
import type { HostBuilder } from "./builder.js";
import type { NatPlan } from "./model.js";
import { teqlDevice } from "./names.js";

export function planNat(b: HostBuilder, inventory: Inventory, host: Host): void {
  const uplinks = host.uplinks.filter((u) => u.masquerade);
  if (uplinks.length === 0) return;
  // ecmp bundles have no device of their own (their routes sit on the uplinks): nothing to name here.
  const bundles = lookup(inventory)
    .bundlesOf(host.name)
    .filter((x) => x.strategy !== "ecmp")
    .map((x) => ({ bundle: x, device: x.strategy === "teql" ? teqlDevice(inventory, host.name, x.name) : x.name }))
    .sort((x, y) => (x.device < y.device ? -1 : x.device > y.device ? 1 : 0));
  const from = bundles.map((x) => x.device);
  b.setNat({
    rules: uplinks.map((u) => ({ from, to: u.name })),
    forward: [...uplinks.map((u) => ({ from, to: u.name })), ...bundles.flatMap((x) => routedInto(x, from, host.name))],
  });
  // Forwarding on both sides of every rule: the bundle devices traffic comes
  // from (their own planners set it only for a default route) and the uplinks it leaves by.
  for (const device of [...from, ...uplinks.map((u) => u.name)]) b.contribute(device, { from: "masquerade", forwarding: true });
  for (const m of ["nf_tables", "nft_chain_nat", "nft_masq"]) b.module(m);
}

/**
 * From the other bundles into this one, only towards the prefixes this host's
 * end declares in `routes:` (what the inventory says lies behind the peer).
 */
function routedInto(x: { bundle: Bundle; device: string }, devices: string[], host: string): NatPlan["forward"] {
  const others = devices.filter((d) => d !== x.device);
  const routes = x.bundle.ends.find((e) => e.host === host)!.routes;
  if (others.length === 0 || routes.length === 0) return [];
  return (["ip", "ip6"] as const)
    .map((family) => ({ family, prefixes: routes.filter((r) => (r.cidr!.ip.family === 4) === (family === "ip")).map((r) => networkText(r.cidr!)) }))
    .filter((d) => d.prefixes.length > 0)
    .map((daddr) => ({ from: others, to: x.device, daddr }));
}
