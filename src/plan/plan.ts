// Valid inventory -> one HostPlan per host: each planner owns the files it
// creates and contributes typed fragments to others' (builder.ts merges them).
import { lookup } from "../inventory/lookup.js";
import type { Inventory } from "../inventory/types.js";
import { HostBuilder } from "./builder.js";
import { planEcmp } from "./ecmp.js";
import { planMetrics } from "./metrics.js";
import type { HostPlan } from "./model.js";
import { planNat } from "./nat.js";
import { planShapers } from "./shapers.js";
import { planTeql } from "./teql.js";
import { planTunnelBundle } from "./tunnel-bundles.js";
import { planTunnels } from "./tunnels.js";
import { planLoopbacks, planUplinks } from "./uplinks.js";

export function planInventory(inventory: Inventory, only?: ReadonlySet<string>): HostPlan[] {
  const tunnels = planTunnels(inventory);
  return inventory.hosts
    .filter((h) => only === undefined || only.has(h.name))
    .map((host) => {
      const b = new HostBuilder(host.name, inventory.file, host.systemd);
      planUplinks(b, host);
      planLoopbacks(b, host);
      for (const bundle of lookup(inventory).bundlesOf(host.name)) {
        if (bundle.strategy === "ecmp") planEcmp(b, inventory, bundle);
        else if (bundle.strategy === "teql") planTeql(b, inventory, bundle);
        else planTunnelBundle(b, tunnels.get(bundle.name)!);
      }
      planShapers(b, inventory);
      planNat(b, inventory, host);
      planMetrics(b, inventory, tunnels);
      return b.finish();
    });
}
