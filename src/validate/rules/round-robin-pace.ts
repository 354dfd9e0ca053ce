// A balance-rr bond is paced below its paths' rates only where every path's
// uplink on that end declares its egress rate (plan/pace.ts says why and how).
// Without it the queues that limit the paths are one per path, at the ISP, and
// one flow's packets arrive out of order: TCP takes that for loss and sends
// copies (1.69-1.79x one path over WireGuard in the lab, 1.82-1.84x paced).
import type { Problem } from "../../errors.js";
import type { RuleContext } from "./context.js";

export function roundRobinPaceWarnings(ctx: RuleContext): Problem[] {
  return ctx.inventory.bundles.filter((b) => b.strategy === "balance-rr").flatMap((bundle) =>
    bundle.ends.flatMap((end) => {
      const names = [...new Set(bundle.paths.map((p) => p.uplinks.get(end.host)).filter((n): n is string => n !== undefined))];
      const uplinks = names.map((n) => ctx.uplink(end.host, n)).filter((u) => u !== undefined);
      const unshaped = uplinks.filter((u) => u.shape?.egress === undefined);
      if (unshaped.length === 0) return [];
      return unshaped.map((uplink) => ({
        path: ["hosts", end.host, "uplinks", uplink.name],
        at: "key" as const,
        message: `uplink ${uplink.name} of ${end.host} carries balance-rr bundle ${bundle.name} without an egress rate, so netgen cannot pace the bond below its paths: each path queues on its own at the ISP, one flow's packets arrive out of order, and TCP resends segments that were not lost`,
        hint: `give every path's uplink on ${end.host} its rate, a little below the line's (e.g. shape: { egress: 4500kbit } on a 5 Mbit/s line): the bond is then shaped to what its slowest path carries times the number of paths`,
      }));
    }),
  );
}
