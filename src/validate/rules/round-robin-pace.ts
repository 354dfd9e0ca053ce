// A balance-rr bond is paced below its paths only where every path has a
// declared rate in the direction it sends (plan/pace.ts says why and how): the
// sending end's uplink egress, or the receiving end's uplink ingress. Without
// one the queues that limit the paths are one per path, at the ISPs, and one
// flow's packets arrive out of order: TCP takes that for loss and sends copies
// (1.70-1.79x one path over WireGuard in the lab, 1.82-1.84x paced).
import type { Problem } from "../../errors.js";
import type { RuleContext } from "./context.js";

export function roundRobinPaceWarnings(ctx: RuleContext): Problem[] {
  return ctx.inventory.bundles.filter((b) => b.strategy === "balance-rr" && b.ends.length === 2).flatMap((bundle) =>
    bundle.paths.flatMap((path) => {
      const ends = bundle.ends.map((e) => {
        const name = path.uplinks.get(e.host) ?? "";
        return { host: e.host, name, shape: ctx.uplink(e.host, name)?.shape, known: ctx.uplink(e.host, name) !== undefined };
      });
      const [a, b] = ends as [(typeof ends)[number], (typeof ends)[number]];
      if (!a.known || !b.known) return []; // reported by the reference rules
      const unknown = [[a, b], [b, a]]
        .filter(([from, to]) => from!.shape?.egress === undefined && to!.shape?.ingress === undefined)
        .map(([from, to]) => `from ${from!.host} to ${to!.host} (${from!.host}'s ${from!.name} egress or ${to!.host}'s ${to!.name} ingress)`);
      if (unknown.length === 0) return [];
      return [{
        path: ["bundles", bundle.name, "paths", path.index],
        message: `path ${path.index + 1} of balance-rr bundle ${bundle.name} has no declared rate ${unknown.join(" nor ")}, so netgen cannot pace the bond that sends on it: each path queues on its own at the ISP, one flow's packets arrive out of order, and TCP resends segments that were not lost`,
        hint: "give the uplinks their rates, a little below the lines' (e.g. shape: { egress: 4500kbit, ingress: 4500kbit } on a 5 Mbit/s line): each bond is then shaped to what its slowest path carries times the number of paths",
      }];
    }),
  );
}
