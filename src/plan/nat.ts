// masquerade: traffic arriving from the host's bundle devices leaves each
// masquerading uplink with that uplink's address.
//
// An explicit nftables rule (iifname bundle, oifname uplink) rather than
// networkd's IPMasquerade=: that one masquerades traffic coming *from* the
// interface it is set on, and when NAT cannot be set up networkd marks the link
// failed and leaves it unconfigured, taking the bundle down with the NAT.
import { lookup } from "../inventory/lookup.js";
import type { Host, Inventory } from "../inventory/types.js";
import type { HostBuilder } from "./builder.js";
import { teqlDevice } from "./names.js";

export function planNat(b: HostBuilder, inventory: Inventory, host: Host): void {
  const uplinks = host.uplinks.filter((u) => u.masquerade);
  if (uplinks.length === 0) return;
  const from = lookup(inventory)
    .bundlesOf(host.name)
    .filter((x) => x.strategy !== "ecmp")
    .map((x) => (x.strategy === "teql" ? teqlDevice(inventory, host.name, x.name) : x.name))
    .sort();
  b.setNat({ rules: uplinks.map((u) => ({ from, to: u.name })) });
  // Forwarding on both sides of every rule: the bundle devices traffic comes
  // from (their own planners set it only for a default route) and the uplinks it leaves by.
  for (const device of [...from, ...uplinks.map((u) => u.name)]) b.contribute(device, { from: "masquerade", forwarding: true });
  for (const m of ["nf_tables", "nft_chain_nat", "nft_masq"]) b.module(m);
}
