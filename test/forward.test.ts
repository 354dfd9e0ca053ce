// The exit's forward policy on this machine's kernel: prod's fo-exit rendered,
// its firewall.nft loaded with `nft -f` into a namespace whose veths carry the
// rendered device names. The bundle side reaches the internet (masqueraded) and
// gets its replies; a machine on an uplink segment with a route through the
// exit cannot reach the bundle network, and the drop counter says why. Between
// two bundles only the prefixes the hub's ends declare in routes: pass.
// Needs root and namespaces: run under /tmp/netgen-heavy.lock.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderInventory } from "../src/pipeline/pipeline.js";
import { dropCount } from "../src/lab/exit-policy.js";
import { answersPing, inNs, ip, link, newNamespace, removeNamespace, run } from "../src/lab/namespaces.js";
import { command, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("exit forward policy", [isRoot, command("nft"), command("ping"), command("sysctl")]);

/** A host's rendered firewall.nft, as push would write it. */
function renderedRules(inventory: string, name: string): string {
  const host = renderInventory(inventory).hosts.find((h) => h.host === name)!;
  const entry = host.entries.find((e) => e.path === "etc/netgen/firewall.nft");
  assert.ok(entry && entry.kind === "file", `${name} renders etc/netgen/firewall.nft`);
  return (entry as { content: string }).content;
}

const pings = (ns: string, target: string, source?: string): boolean => answersPing(ns, target, { source });
const dropped = (exit: string): number => dropCount(inNs(exit, "nft", ["list", "chain", "inet", "netgen", "forward"]));

if (ready) {
  test("fo-exit forwards the bundle out of inet0 and nothing from its uplink segments into the bundle", () => {
    const rules = renderedRules("inventories/prod.yaml", "fo-exit");
    const names = ["exit", "inside", "internet", "intra"] as const;
    const ns = new Map<string, string>();
    try {
      for (const n of names) ns.set(n, newNamespace(n));
      const [exit, inside, internet, intra] = names.map((n) => ns.get(n)!) as [string, string, string, string];
      // Device names and addresses as prod.yaml gives fo-exit (inet0 is DHCP there: a documentation address here).
      link(exit, "bond-15-16", inside, "eth0");
      link(exit, "inet0", internet, "eth0");
      link(exit, "intra15", intra, "eth0");
      ip("-n", exit, "addr", "add", "10.42.42.200/24", "dev", "bond-15-16");
      ip("-n", exit, "addr", "add", "203.0.113.20/24", "dev", "inet0");
      ip("-n", exit, "addr", "add", "10.88.15.200/24", "dev", "intra15");
      ip("-n", inside, "addr", "add", "10.42.42.100/24", "dev", "eth0");
      ip("-n", inside, "route", "add", "default", "via", "10.42.42.200");
      // The internet host knows no way back to 10.42.42.0/24: only a masqueraded ping gets a reply.
      ip("-n", internet, "addr", "add", "203.0.113.1/24", "dev", "eth0");
      ip("-n", intra, "addr", "add", "10.88.15.50/24", "dev", "eth0");
      ip("-n", intra, "route", "add", "10.42.42.0/24", "via", "10.88.15.200");
      // What the rendered sysctl.d sets (forwarding.ts): forwarding between every interface.
      inNs(exit, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);

      // Without the policy the finding reproduces: the uplink segment routes into the bundle.
      assert.ok(pings(intra, "10.42.42.100"), "control: without firewall.nft the outsider on intra15 reaches the bundle network");
      assert.not.ok(pings(inside, "203.0.113.1"), "control: without masquerade the internet side has no way back");

      // The rendered file, whole, in one transaction, as netgen-firewall.service loads it.
      run("ip", ["netns", "exec", exit, "nft", "-f", "-"], rules);
      const before = dropped(exit);
      assert.not.ok(pings(intra, "10.42.42.100"), "the outsider on intra15 still reaches the bundle network");
      const afterIntra = dropped(exit);
      assert.ok(afterIntra > before, `the forward chain counted no drop (${before} -> ${afterIntra})`);

      // The bundle side out of the masquerading uplink; the replies are the established return traffic.
      assert.ok(pings(inside, "203.0.113.1"), "the bundle side does not reach the internet side");
      const conntrack = inNs(exit, "cat", ["/proc/net/nf_conntrack"]).split("\n").find((l) => l.includes("src=10.42.42.100") && l.includes("dst=203.0.113.1"));
      assert.ok(conntrack, "no conntrack entry for the bundle side's ping");
      assert.match(conntrack!, /src=203\.0\.113\.1 dst=203\.0\.113\.20/, "the reply was not addressed to inet0 (masquerade)");

      // A host on the masquerading uplink's own segment, given a route through the exit, is refused too.
      ip("-n", internet, "route", "add", "10.42.42.0/24", "via", "203.0.113.20");
      assert.not.ok(pings(internet, "10.42.42.100"), "the internet side opens a flow into the bundle network");
      assert.ok(dropped(exit) > afterIntra, "the drop from inet0's segment was not counted");
      // ...while the flow the bundle side opens still gets its replies.
      assert.ok(pings(inside, "203.0.113.1"), "established return traffic is dropped");
    } finally {
      for (const n of ns.values()) removeNamespace(n);
    }
  });

  test("between two bundles the hub forwards only towards the prefixes its ends declare in routes:", () => {
    const rules = renderedRules("test/golden/exit-forward/inventory.yaml", "hub");
    const names = ["hub", "shop", "depot"] as const;
    const ns = new Map<string, string>();
    try {
      for (const n of names) ns.set(n, newNamespace(n));
      const [hub, shop, depot] = names.map((n) => ns.get(n)!) as [string, string, string];
      link(hub, "shop", shop, "eth0");
      link(hub, "depot", depot, "eth0");
      ip("-n", hub, "addr", "add", "10.60.1.2/24", "dev", "shop");
      ip("-n", hub, "addr", "add", "10.60.2.2/24", "dev", "depot");
      // The routes networkd would add from the hub's routes: (the LANs behind each site).
      ip("-n", hub, "route", "add", "192.168.10.0/24", "via", "10.60.1.1");
      ip("-n", hub, "route", "add", "192.168.20.0/24", "via", "10.60.2.1");
      for (const [site, bundle, lan] of [[shop, "10.60.1.1/24", "192.168.10.1/32"], [depot, "10.60.2.1/24", "192.168.20.1/32"]] as const) {
        ip("-n", site, "addr", "add", bundle, "dev", "eth0");
        ip("-n", site, "addr", "add", lan, "dev", "lo");
        ip("-n", site, "route", "add", "default", "via", bundle.replace(/\.1\/24$/, ".2"));
      }
      inNs(hub, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
      assert.ok(pings(shop, "10.60.2.1"), "control: without firewall.nft the shop reaches the depot's bundle address");

      run("ip", ["netns", "exec", hub, "nft", "-f", "-"], rules);
      const before = dropped(hub);
      assert.ok(pings(shop, "192.168.20.1", "192.168.10.1"), "shop LAN -> depot LAN (a declared route) is dropped");
      assert.ok(pings(depot, "192.168.10.1", "192.168.20.1"), "depot LAN -> shop LAN (a declared route) is dropped");
      assert.is(dropped(hub), before, "a declared flow was counted as dropped");
      assert.not.ok(pings(shop, "10.60.2.1"), "the shop reaches the depot's bundle address, which no routes: declares");
      assert.ok(dropped(hub) > before, "the undeclared flow was not counted as dropped");
    } finally {
      for (const n of ns.values()) removeNamespace(n);
    }
  });
} else {
  test("exit forward policy tier skipped", () => {});
}

test.run();
