// One systemd unit per shaped uplink (see shaping.ts for where limits go).
import type { HostBuilder } from "./builder.js";
import { blankNetwork } from "./builder.js";
import { ifbName } from "./names.js";
import { planShaping } from "./shaping.js";
import { shapeCommands } from "./tc.js";
import type { Inventory } from "../inventory/types.js";

export function planShapers(b: HostBuilder, inventory: Inventory): void {
  for (const s of planShaping(inventory, b.host)) {
    const notes: string[] = [];
    if (s.egressMovedTo) notes.push(`egress ${s.uplink.shape?.egress} is applied on ${s.egressMovedTo}: teql is this uplink's root qdisc`);
    for (const from of s.ingressFrom) notes.push(`ingress also applies ${from} (a teql member cannot shape its own egress)`);
    const ingress = s.ingress ? { rate: s.ingress, ifb: ifbName(s.uplink.name) } : undefined;
    b.addShaper({ device: s.uplink.name, egress: s.egress, ingress, notes, ...shapeCommands(s.uplink.name, s.egress, ingress) });
    b.module("sch_htb");
    b.module("sch_fq_codel");
    if (ingress) {
      for (const m of ["sch_ingress", "cls_u32", "act_mirred"]) b.module(m);
      b.module("ifb", { options: "numifbs=0", why: "networkd creates the ifb devices netgen names" });
      b.addNetdev({ name: ingress.ifb, kind: "ifb", description: `ingress of ${s.uplink.name}, redirected here to be shaped` });
      const network = b.own(blankNetwork(ingress.ifb, `ingress shaping of ${s.uplink.name}`, true));
      network.configureWithoutCarrier = true;
    }
  }
}
