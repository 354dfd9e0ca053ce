// Valid inventory -> one HostPlan per host: each planner owns the files it
// creates and contributes typed fragments to others' (builder.ts merges them).
import { lookup } from "../inventory/lookup.js";
import type { Host, Inventory } from "../inventory/types.js";
import { HostBuilder } from "./builder.js";
import { planEcmp } from "./ecmp.js";
import { planMetrics } from "./metrics.js";
import type { HostPlan } from "./model.js";
import { planNat } from "./nat.js";
import { planShapers } from "./shapers.js";
import { planTeql } from "./teql.js";
import { planTunnelBundle } from "./tunnel-bundles.js";
import { planTunnels, type TunnelBundle } from "./tunnels.js";
import { planWireguardLinks, type WireguardBundle } from "./wireguard.js";
import { planUplinkTables, planWireguardEnd } from "./wireguard-ends.js";
import { planLoopbacks, planUplinks } from "./uplinks.js";

export function planInventory(inventory: Inventory, only?: ReadonlySet<string>): HostPlan[] {
  return [...planHosts(inventory, only)];
}

/**
 * One host's plan at a time, in inventory order: a caller that renders each
 * plan before asking for the next lets it die young (planning all 10,000 hosts
 * first kept every plan alive until the last was rendered, and the garbage
 * collector copied them all into the old generation).
 */
export function* planHosts(inventory: Inventory, only?: ReadonlySet<string>): Generator<HostPlan> {
  const { wireguard, tunnels } = planLinks(inventory);
  for (const host of inventory.hosts) {
    if (only !== undefined && !only.has(host.name)) continue;
    yield planHost(inventory, host, wireguard, tunnels);
  }
}

export interface Links {
  wireguard: Map<string, WireguardBundle>;
  tunnels: Map<string, TunnelBundle>;
}

const links = new WeakMap<Inventory, Links>();

/**
 * Every bundle's WireGuard links and gretap tunnels, derived once per
 * inventory (as lookup() is): validation checks their names and MTUs, then
 * planning builds them, and deriving them twice took 0.3 s for 10,000 hosts.
 * They depend on hosts and bundles only, which nothing changes once the
 * inventory is read (the public keys, added later, are used per host).
 */
export function planLinks(inventory: Inventory): Links {
  let found = links.get(inventory);
  if (found === undefined) {
    const wireguard = planWireguardLinks(inventory);
    found = { wireguard, tunnels: planTunnels(inventory, wireguard) };
    links.set(inventory, found);
  }
  return found;
}

function planHost(inventory: Inventory, host: Host, wireguard: Map<string, WireguardBundle>, tunnels: Map<string, TunnelBundle>): HostPlan {
  const b = new HostBuilder(host.name, inventory.file, host.systemd);
  planUplinks(b, host);
  planLoopbacks(b, host);
  planUplinkTables(b, host, wireguard);
  for (const bundle of lookup(inventory).bundlesOf(host.name)) {
    const links = wireguard.get(bundle.name);
    if (links) planWireguardEnd(b, inventory, links);
    if (bundle.strategy === "ecmp") planEcmp(b, inventory, bundle, links);
    else if (bundle.strategy === "teql") planTeql(b, inventory, bundle, links);
    else planTunnelBundle(b, tunnels.get(bundle.name)!);
  }
  planShapers(b, inventory);
  planNat(b, inventory, host, wireguard);
  planMetrics(b, inventory, tunnels, wireguard);
  return b.finish();
}
