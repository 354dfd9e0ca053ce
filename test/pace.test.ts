// A balance-rr bond is paced below what its paths carry (plan/pace.ts): the
// slowest path sets the rate (this end's egress or the far end's ingress, each
// shared among the paths through that uplink), each packet is counted with its
// tunnel's headers, and a path with no declared rate leaves no pacer at all. And teql over
// WireGuard leaves each uplink its own egress shaper. The real kernel
// runs the unit in the lab (docs/lab.md) and in push-wireguard.test.ts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Inventory } from "../src/inventory/types.js";
import { planInventory, planLinks } from "../src/plan/plan.js";
import { planShaping } from "../src/plan/shaping.js";
import { validateText } from "../src/validate/validate.js";

const inventory = (site: string, hub: string, transport = "") => `netgen: 1
hosts:
  site:
    uplinks:
      dsl0: { address: 192.0.2.2/29, gateway: 192.0.2.1${site} }
      lte0: { address: 198.51.100.66/28, gateway: 198.51.100.65, shape: { egress: 5mbit } }
  hub:
    uplinks:
      wan0: { address: 203.0.113.10/24, gateway: 203.0.113.1${hub} }
bundles:
  agg:
    strategy: balance-rr
${transport}    ends:
      site: { address: 10.77.0.1/30 }
      hub: { address: 10.77.0.2/30 }
    paths:
      - { site: dsl0, hub: wan0 }
      - { site: lte0, hub: wan0 }
`;

const pacer = (inv: Inventory, host: string) => {
  const plan = planInventory(inv).find((p) => p.host === host)!;
  return plan.shapers.find((s) => s.device === "agg");
};
const argv = (s: ReturnType<typeof pacer>) => s?.start.map((c) => c.argv.slice(1).join(" "));

test("the slower path sets the pace: twice its egress, less 2%; tunnel headers counted per packet", () => {
  const inv = validateText("p.yaml", inventory(", shape: { egress: 1mbit }", ", shape: { egress: 50mbit }"));
  assert.equal(argv(pacer(inv, "site")), [
    "qdisc replace dev agg root handle 1: stab overhead 38 htb default 1",
    "class replace dev agg parent 1: classid 1:1 htb rate 1960kbit ceil 1960kbit",
    "qdisc replace dev agg parent 1:1 handle 10: fq_codel",
  ]);
  // Both paths leave the hub by wan0: it carries every packet, so its own rate is the bond's.
  assert.match(argv(pacer(inv, "hub"))![1]!, / rate 49mbit ceil 49mbit$/);
});

test("no pacer where one path's uplink has no egress rate, on that end only", () => {
  const inv = validateText("p.yaml", inventory("", ", shape: { egress: 20mbit }"));
  assert.is(pacer(inv, "site"), undefined);
  assert.match(argv(pacer(inv, "hub"))![1]!, / rate 19600kbit /);
  assert.ok(planInventory(inv).find((p) => p.host === "site")!.segmenters.length === 1, "the bond still gets one segment per packet");
});

test("the far end's ingress limits a path too; a tiny rate stays a rate tc takes; beyond what HTB sends at, no pacer", () => {
  const far = validateText("p.yaml", inventory(", shape: { ingress: 2mbit }", ", shape: { egress: 20mbit }"));
  // hub -> site on path 1: wan0's 10mbit share, but site's dsl0 takes in 2mbit: 2 x 2mbit, less 2%.
  assert.match(argv(pacer(far, "hub"))![1]!, / rate 3920kbit ceil 3920kbit$/);
  assert.match(pacer(far, "hub")!.notes.join(" "), /site's dsl0 ingress 2mbit/);
  const tiny = validateText("p.yaml", inventory(", shape: { egress: 1kbit }", ""));
  assert.match(argv(pacer(tiny, "site"))![1]!, / rate 1960bit ceil 1960bit$/);
  const fast = validateText("p.yaml", inventory(", shape: { egress: 4gbit }", "").replace("shape: { egress: 5mbit }", "shape: { egress: 4gbit }"));
  assert.is(pacer(fast, "site"), undefined, "8 gbit/s is beyond what an HTB class sends at");
});

test("over WireGuard a packet carries gretap and WireGuard's headers: 38 + 60 bytes", () => {
  const wg = "    transport: wireguard\n    link_subnet: 10.99.0.0/29\n";
  const inv = validateText("p.yaml", inventory(", shape: { egress: 5mbit }", ", shape: { egress: 10mbit }", wg));
  assert.equal(planLinks(inv).tunnels.get("agg")!.tunnels.map((t) => t.overhead), [98, 98]);
  assert.equal(planLinks(validateText("p.yaml", inventory("", ""))).tunnels.get("agg")!.tunnels.map((t) => t.overhead), [38, 38]);
});

test("teql over WireGuard: each uplink shapes its own egress (teql's members are the links, not the uplinks)", () => {
  const wg = "    transport: wireguard\n    link_subnet: 10.99.0.0/29\n";
  const text = inventory(", shape: { egress: 5mbit }", "", wg).replace("strategy: balance-rr", "strategy: teql");
  const inv = validateText("p.yaml", text);
  const shapers = (host: string) => planShaping(inv, host).map((s) => `${s.uplink.name} egress ${s.egress ?? "-"} ingress ${s.ingress ?? "-"}`);
  // Over gre the uplinks are teql's members: their egress limits move to the hub's ingress.
  assert.equal(shapers("site"), ["dsl0 egress 5mbit ingress -", "lte0 egress 5mbit ingress -"]);
  assert.equal(shapers("hub"), []);
});

test.run();
