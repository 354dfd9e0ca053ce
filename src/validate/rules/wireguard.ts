// Rules of the wireguard transport (plan/wireguard.ts): its keys are used only
// with it, its link subnet holds a /31 per path, one end of each path can be
// reached, and no host listens twice on one port.
import type { Problem } from "../../errors.js";
import type { Bundle, Uplink } from "../../inventory/types.js";
import { bits, hostBitsSet, networkText, overlaps } from "../../net/address.js";
import { listenerOf, reachable } from "../../plan/wireguard.js";
import type { RuleContext } from "./context.js";

export function wireguardRules(ctx: RuleContext): Problem[] {
  const problems = ctx.inventory.bundles.flatMap((b) => (b.transport === "wireguard" ? [...linkSubnet(ctx, b), ...paths(ctx, b)] : greKeys(b)));
  return [...problems, ...ports(ctx)];
}

function greKeys(bundle: Bundle): Problem[] {
  const at = ["bundles", bundle.name];
  const problems: Problem[] = [];
  const hint = "add transport: wireguard, or remove it";
  if (bundle.linkSubnetText !== undefined) problems.push({ path: [...at, "link_subnet"], at: "key", message: `link_subnet is for WireGuard links, and ${bundle.name} uses gre`, hint });
  if (bundle.hasPort) problems.push({ path: [...at, "port"], at: "key", message: `port is where WireGuard listens, and ${bundle.name} uses gre`, hint });
  return problems;
}

function linkSubnet(ctx: RuleContext, bundle: Bundle): Problem[] {
  const at = ["bundles", bundle.name, "link_subnet"];
  const count = bundle.paths.length;
  const example = `e.g. 10.99.0.0/${32 - Math.ceil(Math.log2(2 * Math.max(count, 1)))}`;
  if (bundle.linkSubnetText === undefined) {
    return [{ path: ["bundles", bundle.name], at: "key", message: `wireguard bundle ${bundle.name} has no link_subnet for its WireGuard links`, hint: `add link_subnet: a subnet of its own with a /31 per path, ${example}` }];
  }
  const subnet = bundle.linkSubnet;
  if (subnet === undefined) return [{ path: at, message: `'${bundle.linkSubnetText}' is not a subnet`, hint: `write it like ${example.slice(5)}` }];
  if (hostBitsSet(subnet)) return [{ path: at, message: `link_subnet ${subnet.text} has host bits set`, hint: `did you mean ${networkText(subnet)}?` }];
  const problems: Problem[] = [];
  const room = 2 ** Math.min(bits(subnet.ip.family) - subnet.prefix, 30);
  if (room < 2 * count) {
    problems.push({ path: at, message: `link_subnet ${subnet.text} holds ${room / 2} /${bits(subnet.ip.family) - 1} link${room === 2 ? "" : "s"}, and ${bundle.name} has ${count} paths`, hint: `give it a shorter prefix, ${example}` });
  }
  for (const end of bundle.ends) {
    for (const u of ctx.host(end.host)?.uplinks ?? []) {
      if (u.address && overlaps(u.address, subnet)) problems.push({ path: at, message: `link_subnet ${subnet.text} overlaps uplink ${u.name}'s subnet on ${end.host}`, hint: "use a subnet of its own for the WireGuard links" });
    }
    if (end.address && overlaps(end.address, subnet)) problems.push({ path: at, message: `link_subnet ${subnet.text} overlaps ${end.host}'s bundle address ${end.addressText}`, hint: "the links and the bundle need subnets of their own" });
  }
  if (bundle.strategy === "ecmp") {
    // ecmp routes through the links' far addresses: the routes must be of the links' family.
    for (const end of bundle.ends) {
      for (const r of end.routes) {
        if (r.cidr && r.cidr.ip.family !== subnet.ip.family) {
          problems.push({ path: ["bundles", bundle.name, "ends", end.host, "routes", r.index], message: `route ${r.text} is IPv${r.cidr.ip.family}, but the WireGuard links of ecmp bundle ${bundle.name} are IPv${subnet.ip.family}`, hint: "route each family through links of that family (link_subnet)" });
        }
      }
    }
  }
  return problems;
}

function paths(ctx: RuleContext, bundle: Bundle): Problem[] {
  const problems: Problem[] = [];
  const [ea, eb] = bundle.ends;
  if (ea === undefined || eb === undefined) return [];
  for (const path of bundle.paths) {
    const a = ctx.uplink(ea.host, path.uplinks.get(ea.host) ?? "");
    const b = ctx.uplink(eb.host, path.uplinks.get(eb.host) ?? "");
    if (a === undefined || b === undefined) continue;
    if (listenerOf(bundle, a, b) === undefined) {
      problems.push({
        path: ["bundles", bundle.name, "paths", path.index],
        message: `neither end of path ${path.index + 1} of ${bundle.name} can be reached: ${why(a)}, and ${why(b)}`,
        hint: "one end must listen: give its uplink a fixed address or public:, without nat: true",
      });
    }
  }
  if (bundle.port + bundle.paths.length - 1 > 65535) {
    problems.push({ path: ["bundles", bundle.name, "port"], message: `port ${bundle.port} leaves no room for ${bundle.paths.length} paths (port + path number - 1 is at most 65535)`, hint: `use a port up to ${65536 - bundle.paths.length}` });
  }
  return problems;
}

function why(u: Uplink): string {
  if (reachable(u)) return `${u.name} of ${u.host} can`;
  if (u.nat) return `${u.name} of ${u.host} is behind NAT`;
  return `${u.name} of ${u.host} takes its address from DHCP and has no public:`;
}

/** A port is one socket on a host: two links listening on it cannot both have it. */
function ports(ctx: RuleContext): Problem[] {
  const problems: Problem[] = [];
  const taken = new Map<string, string>();
  for (const bundle of ctx.inventory.bundles) {
    if (bundle.transport !== "wireguard" || bundle.ends.length !== 2) continue;
    for (const path of bundle.paths) {
      const ups = bundle.ends.map((e) => ctx.uplink(e.host, path.uplinks.get(e.host) ?? ""));
      if (ups[0] === undefined || ups[1] === undefined) continue;
      const k = listenerOf(bundle, ups[0], ups[1]);
      if (k === undefined) continue;
      const host = bundle.ends[k]!.host;
      const port = bundle.port + path.index;
      const key = `${host}/${port}`;
      const other = taken.get(key);
      if (other !== undefined) {
        problems.push({ path: ["bundles", bundle.name, bundle.hasPort ? "port" : "transport"], at: "key", message: `${host} would listen on UDP port ${port} for ${other} and for path ${path.index + 1} of ${bundle.name}`, hint: `give ${bundle.name} a port: of its own (each bundle listens on port .. port + paths - 1)` });
      } else taken.set(key, `path ${path.index + 1} of ${bundle.name}`);
    }
  }
  return problems;
}

/**
 * teql over WireGuard links: in the lab a Debian 6.1 kernel hit a slab BUG in
 * WireGuard's encryption worker (wg_packet_encrypt_worker -> skb_cow_data ->
 * pskb_expand_head) under teql's round robin, which hands packets to each
 * member's transmit function directly (docs/lab.md). Legal, and measured at
 * 1.85x one path when it ran, but a kernel crash on a gateway is worth a word.
 */
export function wireguardWarnings(ctx: RuleContext): Problem[] {
  const over = ctx.inventory.bundles.filter((b) => b.transport === "wireguard" && (b.strategy === "teql" || b.strategy === "ecmp"));
  return over.flatMap((b) => [
    ...(b.strategy === "teql"
      ? [{
          path: ["bundles", b.name, "transport"],
          at: "key" as const,
          message: `teql over WireGuard crashed Debian's 6.1 kernel in netgen's lab (a slab BUG in WireGuard's encryption worker, docs/lab.md)`,
          hint: "test it on your kernel first, or use balance-rr over wireguard (a gretap between the round robin and the link)",
        }]
      : []),
    // A WireGuard link keeps its carrier when its uplink dies: nothing takes the dead path out.
    {
      path: ["bundles", b.name, "strategy"],
      at: "key" as const,
      message: `${b.strategy} over WireGuard does not notice a dead path: a WireGuard link keeps its carrier when its uplink fails, so ${b.strategy === "ecmp" ? "the flows hashed onto it" : "the packets sent to it"} are lost until it comes back`,
      hint: "use balance-rr or failover over wireguard: their bonds' ARP monitor takes a dead path out",
    },
  ]);
}
