// A failover bond judges its paths by ARP probes that travel with the data. On
// an uplink netgen does not shape, a line filled by traffic queues at the ISP
// (the lab's ISP holds 100 packets, 240 ms at 5 Mbit/s), the probes wait there
// longer than the monitor's missed intervals, and the bond leaves a healthy path: the
// lab counted 1 to 5 such false failovers per throughput run with 8 flows.
// Shaped a little below the line's rate, the queue builds on the host instead,
// where the shaper's fq_codel lets the sparse probe flow pass; the same lab run
// on shaped uplinks counted none. Both directions: a filled download delays
// the far end's replies in the ISP's queue towards the bond.
import type { Problem } from "../../errors.js";
import { failoverEndIndex } from "../../inventory/ends.js";
import type { RuleContext } from "./context.js";

export function probeExposureWarnings(ctx: RuleContext): Problem[] {
  return ctx.inventory.bundles.filter((b) => b.strategy === "failover").flatMap((bundle) => {
    const end = bundle.ends[failoverEndIndex(bundle)];
    if (end === undefined) return [];
    return bundle.paths.flatMap((path) => {
      const name = path.uplinks.get(end.host);
      const uplink = name === undefined ? undefined : ctx.uplink(end.host, name);
      if (uplink === undefined) return [];
      const unshaped = (["egress", "ingress"] as const).filter((d) => uplink.shape?.[d] === undefined);
      if (unshaped.length === 0) return [];
      const directions = unshaped.join(" and ");
      return [{
        path: ["hosts", end.host, "uplinks", uplink.name],
        at: "key",
        message: `uplink ${uplink.name} of ${end.host} carries path ${path.index + 1} of failover bundle ${bundle.name} without ${directions} shaping: when traffic fills the line, the bond's ARP probes wait in the ISP's queue and the bond leaves a healthy path`,
        hint: `shape it a little below the line's real rate (about 90%), e.g. shape: { egress: 4500kbit, ingress: 4500kbit } on a 5 Mbit/s line: the queue then stays on ${end.host}, where the probes pass it`,
      }];
    });
  });
}
