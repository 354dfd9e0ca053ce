// Addresses that parse but cannot work on a gateway: special-purpose ranges,
// one address on both ends of a path, a host's address used twice, a default
// route or the tunnels' own underlay sent into a bundle. Checked on the
// inventory itself: validation never runs planning code on unvalidated input.
import { bits, type Cidr, contains, formatIp, type Ip, networkOf, networkText, overlaps, parseCidr } from "../../net/address.js";
import type { DocPath, Problem } from "../../errors.js";
import type { Bundle, Host } from "../../inventory/types.js";
import type { RuleContext } from "./context.js";

const range = (text: string): Cidr => parseCidr(text)!;
/** Ranges no interface, gateway or next hop of a gateway can use (RFC 6890). */
const UNUSABLE: { cidr: Cidr; what: string }[] = [
  { cidr: range("0.0.0.0/8"), what: "in 0.0.0.0/8 ('this network', never a host's address)" },
  { cidr: range("127.0.0.0/8"), what: "a loopback address (127.0.0.0/8 belongs to lo)" },
  { cidr: range("224.0.0.0/4"), what: "a multicast address (224.0.0.0/4)" },
  { cidr: range("240.0.0.0/4"), what: "reserved (240.0.0.0/4, with the broadcast address 255.255.255.255)" },
  { cidr: range("::/128"), what: "the unspecified address ::" },
  { cidr: range("::1/128"), what: "the loopback address ::1" },
  { cidr: range("ff00::/8"), what: "a multicast address (ff00::/8)" },
  { cidr: range("::ffff:0:0/96"), what: "an IPv4-mapped address (::ffff:0:0/96): write the IPv4 address on an IPv4 uplink" },
];
/** Legal, and meant for links without a router: worth a warning on a gateway. */
const LINK_LOCAL = [range("169.254.0.0/16"), range("fe80::/10")];
/** Shorter prefixes put a large part of the internet on-link (a /1 is half of it). */
const SHORTEST_PREFIX = { 4: 8, 6: 16 } as const;

export function unusable(ip: Ip): string | undefined {
  return UNUSABLE.find((r) => contains(r.cidr, ip))?.what;
}

export function addressRules(ctx: RuleContext): Problem[] {
  return [
    ...ctx.inventory.hosts.flatMap((h) => [...hostAddresses(h), ...sharedAddresses(ctx, h)]),
    ...ctx.inventory.bundles.flatMap((b) => [...endAddresses(b), ...pathEnds(ctx, b), ...bundleRoutes(ctx, b)]),
  ];
}

export function addressWarnings(ctx: RuleContext): Problem[] {
  return ctx.inventory.hosts.flatMap((h) =>
    h.uplinks.flatMap((u) =>
      u.address && LINK_LOCAL.some((r) => contains(r, u.address!.ip))
        ? [{
          path: ["hosts", h.name, "uplinks", u.name, "address"],
          message: `uplink ${u.name} of ${h.name} has a link-local address ${u.addressText}: no router forwards it`,
          hint: "give the uplink its routed address",
        }]
        : [],
    ),
  );
}

function interfaceAddress(cidr: Cidr | undefined, path: DocPath, what: string): Problem[] {
  if (cidr === undefined) return []; // reported as unparsable elsewhere
  const reason = unusable(cidr.ip);
  if (reason !== undefined) {
    return [{ path, message: `${cidr.text} is ${reason}; it cannot be the address of ${what}`, hint: "use the address the interface really has on its network" }];
  }
  const shortest = SHORTEST_PREFIX[cidr.ip.family];
  if (cidr.prefix < shortest) {
    return [{
      path,
      message: `${cidr.text} puts ${networkText(cidr)} on-link for ${what}: every address in it would be sent to the link directly`,
      hint: `use the subnet's real prefix length (at least /${shortest}), e.g. /24`,
    }];
  }
  return [];
}

function hostAddresses(host: Host): Problem[] {
  const problems: Problem[] = [];
  for (const u of host.uplinks) {
    const at = ["hosts", host.name, "uplinks", u.name];
    problems.push(...interfaceAddress(u.address, [...at, "address"], `uplink ${u.name} of ${host.name}`));
    if (u.gateway === undefined) continue;
    const reason = unusable(u.gateway);
    if (reason !== undefined) {
      problems.push({
        path: [...at, "gateway"],
        message: `gateway ${u.gatewayText} is ${reason}`,
        hint: "the gateway is the router's address on the uplink's subnet",
      });
    } else if (u.address && contains(u.address, u.gateway) && u.address.prefix < bits(u.gateway.family) - 1) {
      const hostMask = (1n << BigInt(bits(u.gateway.family) - u.address.prefix)) - 1n;
      const network = u.gateway.value === networkOf(u.address);
      const broadcast = u.gateway.family === 4 && (u.gateway.value & hostMask) === hostMask;
      if (network || broadcast) {
        problems.push({
          path: [...at, "gateway"],
          message: `gateway ${u.gatewayText} is the ${network ? "network" : "broadcast"} address of ${u.name}'s subnet ${networkText(u.address)}`,
          hint: "the gateway is a router's own address inside the subnet, e.g. the .1",
        });
      }
    }
  }
  for (const lo of host.loopbacks) {
    const reason = lo.address && unusable(lo.address.ip);
    if (reason) problems.push({
      path: ["hosts", host.name, "loopbacks", lo.name],
      message: `loopback ${lo.name} holds ${lo.addressText}, which is ${reason}`,
      hint: "a loopback holds a routed service address, e.g. 10.10.10.10/32",
    });
  }
  return problems;
}

/** Every address a host holds, loopbacks first so that a clash is reported on the later one. */
function sharedAddresses(ctx: RuleContext, host: Host): Problem[] {
  const held: { ip: Ip; path: DocPath; what: string }[] = [];
  for (const u of host.uplinks) if (u.address) held.push({ ip: u.address.ip, path: ["hosts", host.name, "uplinks", u.name, "address"], what: `uplink ${u.name}` });
  for (const b of ctx.bundlesOf(host.name)) {
    const end = b.ends.find((e) => e.host === host.name);
    for (const a of end?.addresses ?? []) if (a.cidr) held.push({ ip: a.cidr.ip, path: ["bundles", b.name, "ends", host.name, "address"], what: `bundle ${b.name}` });
  }
  const problems: Problem[] = [];
  const seen = new Map<string, string>(held.map((h) => [`${h.ip.family}/${h.ip.value}`, h.what]));
  for (const lo of host.loopbacks) {
    if (lo.address === undefined) continue;
    const key = `${lo.address.ip.family}/${lo.address.ip.value}`;
    const owner = seen.get(key);
    if (owner !== undefined) {
      problems.push({
        path: ["hosts", host.name, "loopbacks", lo.name],
        message: `loopback ${lo.name} of ${host.name} holds ${formatIp(lo.address.ip.family, lo.address.ip.value)}, which ${owner} already has`,
        hint: "one address, one interface: give the loopback an address of its own",
      });
    }
    seen.set(key, `loopback ${lo.name}`);
  }
  return problems;
}

function endAddresses(bundle: Bundle): Problem[] {
  return bundle.ends.flatMap((e) => e.addresses.flatMap((a) => interfaceAddress(a.cidr, ["bundles", bundle.name, "ends", e.host, "address", ...(a.index === undefined ? [] : [a.index])], `end ${e.host} of bundle ${bundle.name}`)));
}

/** A path joins two machines: its two uplinks cannot hold one address, nor can a next hop be the host itself. */
function pathEnds(ctx: RuleContext, bundle: Bundle): Problem[] {
  const [hostA, hostB] = bundle.ends.map((e) => e.host);
  if (hostA === undefined || hostB === undefined) return [];
  const problems: Problem[] = [];
  for (const path of bundle.paths) {
    const a = ctx.uplink(hostA, path.uplinks.get(hostA) ?? "");
    const b = ctx.uplink(hostB, path.uplinks.get(hostB) ?? "");
    if (!a?.address || !b?.address) continue;
    const at = ["bundles", bundle.name, "paths", path.index, hostB];
    if (a.address.ip.family === b.address.ip.family && a.address.ip.value === b.address.ip.value) {
      problems.push({
        path: at,
        message: `path ${path.index + 1} of ${bundle.name} has ${a.address.ip.text} on both ends (${hostA}'s ${a.name} and ${hostB}'s ${b.name})`,
        hint: `give ${hostB}'s ${b.name} its own address: the far end of a path is another machine`,
      });
      continue;
    }
    if (bundle.strategy !== "ecmp") continue;
    // ecmp's next hop is the far end's uplink address: it cannot be an address the near host holds.
    for (const [near, far] of [[hostA, b], [hostB, a]] as const) {
      const own = ctx.host(near);
      const same = (cidr: Cidr | undefined) => cidr?.ip.value === far.address!.ip.value && cidr.ip.family === far.address!.ip.family;
      const clash = own?.uplinks.find((u) => same(u.address)) ?? own?.loopbacks.find((l) => same(l.address));
      if (clash) problems.push({
        path: ["bundles", bundle.name, "paths", path.index, far.host],
        message: `the next hop ${far.address!.ip.text} of path ${path.index + 1} of ${bundle.name} is ${near}'s own address (${clash.name})`,
        hint: `give ${far.host}'s ${far.name} an address no interface of ${near} has`,
      });
    }
  }
  return problems;
}

/** Routes through a bundle: never the default route in disguise, never the underlay the bundle runs over. */
function bundleRoutes(ctx: RuleContext, bundle: Bundle): Problem[] {
  const problems: Problem[] = [];
  for (const end of bundle.ends) {
    const host = ctx.host(end.host);
    const peers = bundle.paths.flatMap((p) => bundle.ends.filter((e) => e.host !== end.host).flatMap((e) => ctx.uplink(e.host, p.uplinks.get(e.host) ?? "")?.address ?? []));
    for (const route of end.routes) {
      if (route.cidr === undefined) continue;
      const at = ["bundles", bundle.name, "ends", end.host, "routes", route.index];
      if (route.cidr.prefix === 0) {
        problems.push({
          path: at,
          message: `route ${route.text} is a default route${end.defaultRoute ? " beside default_route: true" : ""}: it would beat the uplinks' metered default`,
          hint: end.defaultRoute
            ? "remove it: default_route: true already sends the default route through the bundle"
            : "write default_route: true on the end that should send its default traffic through the bundle",
        });
        continue;
      }
      const underlay = host?.uplinks.find((u) => u.address && overlaps(u.address, route.cidr!));
      if (underlay?.address) {
        problems.push({
          path: at,
          message: `route ${route.text} covers ${end.host}'s uplink ${underlay.name} (${networkText(underlay.address)}): the bundle runs over that network`,
          hint: "route only the networks behind the far end, never an uplink's own subnet",
        });
        continue;
      }
      const far = peers.find((p) => contains(route.cidr!, p.ip));
      if (far) problems.push({
        path: at,
        message: `route ${route.text} covers ${far.ip.text}, the far end of one of ${bundle.name}'s paths: the bundle's own packets would loop into it`,
        hint: "route only the networks behind the far end, not its uplink addresses",
      });
    }
  }
  return problems;
}
