// Rules about bundles: references resolve, paths name exactly the two ends,
// addresses agree, and each strategy gets what it needs from its uplinks.
import { contains, networkText, overlaps, hostBitsSet, parseIp } from "../../net/address.js";
import type { Problem } from "../../errors.js";
import type { Bundle, End, Path } from "../../inventory/types.js";
import { closest } from "../suggest.js";
import { intervalMs } from "../../inventory/duration.js";
import { addressIn, familiesOf } from "../../inventory/ends.js";
import { hostAddress } from "./hosts.js";
import { monitorsPaths, type RuleContext, usesTunnels } from "./context.js";

export function bundleRules(ctx: RuleContext): Problem[] {
  return [
    ...ctx.inventory.bundles.flatMap((b) => [...ends(ctx, b), ...paths(ctx, b), ...strategyKeys(b)]),
    ...exclusiveUplinks(ctx),
    ...routeConflicts(ctx),
  ];
}

function ends(ctx: RuleContext, bundle: Bundle): Problem[] {
  const problems: Problem[] = [];
  const at = ["bundles", bundle.name, "ends"];
  for (const end of bundle.ends) {
    if (ctx.host(end.host) === undefined) {
      const hostNames = ctx.inventory.hosts.map((h) => h.name);
      const guess = closest(end.host, hostNames);
      problems.push({ path: [...at, end.host], at: "key", message: `bundle ${bundle.name} ends on '${end.host}', which is not a host`, hint: guess ? `did you mean '${guess}'?` : `declare it under hosts:, or use one of: ${hostNames.join(", ")}` });
    }
  }
  const needsAddress = bundle.strategy !== "ecmp";
  for (const end of bundle.ends) {
    const path = [...at, end.host];
    if (!needsAddress) {
      if (end.addressText !== undefined) problems.push({ path: [...path, "address"], at: "key", message: `an ecmp bundle builds no device to hold ${end.host}'s address`, hint: "remove address:; put service addresses under the host's loopbacks:" });
    } else if (end.addressText === undefined) {
      problems.push({ path, at: "key", message: `end ${end.host} of ${bundle.strategy} bundle ${bundle.name} has no address`, hint: "add address: with the bundle device's address, e.g. 10.42.42.100/24" });
    } else {
      for (const a of end.addresses) {
        problems.push(...hostAddress(a.text, a.cidr, [...path, "address", ...(a.index === undefined ? [] : [a.index])], `end ${end.host} of bundle ${bundle.name}`));
      }
      problems.push(...dualStack(bundle, end, [...path, "address"]));
    }
    problems.push(...endRoutes(bundle, end, path));
    if (bundle.strategy === "ecmp" && end.routes.length === 0 && !end.defaultRoute) {
      problems.push({ path, at: "key", message: `end ${end.host} of ecmp bundle ${bundle.name} routes nothing through it`, hint: "add routes: [prefix, ...] or default_route: true: an ecmp bundle is only its routes" });
    }
  }
  const [a, b] = bundle.ends;
  for (const family of [4, 6] as const) {
    if (a === undefined || b === undefined) break;
    const [x, y] = [addressIn(a, family), addressIn(b, family)];
    const path = [...at, b.host, "address"];
    if (x && y) {
      if (x.ip.value === y.ip.value) {
        problems.push({ path, message: `both ends of ${bundle.name} have the address ${x.ip.text}`, hint: "give each end its own address in one subnet" });
      } else if (!contains(x, y.ip) || x.prefix !== y.prefix) {
        problems.push({ path, message: `${b.host}'s ${y.text} and ${a.host}'s ${x.text} are not in one subnet`, hint: `the two ends of a bundle share a subnet: e.g. an address in ${networkText(x)}` });
      }
    } else if ((x || y) && a.addresses.length > 0 && b.addresses.length > 0) {
      const [has, lacks] = x ? [a, b] : [b, a];
      problems.push({ path: [...at, lacks.host, "address"], message: `${has.host}'s end of ${bundle.name} has an IPv${family} address and ${lacks.host}'s has none`, hint: `give both ends an address in each family the bundle carries` });
    }
  }
  for (const end of bundle.ends) {
    const host = ctx.host(end.host);
    for (const address of end.addresses) {
      const clash = address.cidr && host?.uplinks.find((u) => u.address && overlaps(u.address, address.cidr!));
      if (clash && clash.address) {
        problems.push({ path: [...at, end.host, "address"], message: `bundle address ${address.text} overlaps uplink ${clash.name}'s subnet ${networkText(clash.address)} on ${end.host}`, hint: "use a subnet of its own for the bundle" });
      }
    }
  }
  if (bundle.strategy === "failover" && a?.defaultRoute && b?.defaultRoute) {
    problems.push({ path: [...at, b.host, "default_route"], at: "key", message: `both ends of failover bundle ${bundle.name} have default_route`, hint: "default_route marks the one end that fails over (the gateway); the other end accepts traffic on any path" });
  }
  return problems;
}

function endRoutes(bundle: Bundle, end: End, at: (string | number)[]): Problem[] {
  return end.routes.flatMap((route) => {
    const path = [...at, "routes", route.index];
    if (route.cidr === undefined) {
      const bare = parseIp(route.text);
      return [{ path, message: `'${route.text}' is not a destination prefix`, hint: bare ? `add the prefix length: ${route.text}/${bare.family === 4 ? 32 : 128}` : "write it like 10.100.100.100/32" }];
    }
    if (hostBitsSet(route.cidr)) {
      return [{ path, message: `route ${route.text} has host bits set`, hint: `did you mean ${networkText(route.cidr)}?` }];
    }
    const families = familiesOf(end);
    if (families.length > 0 && !families.includes(route.cidr.ip.family)) {
      return [{ path, message: `route ${route.text} is IPv${route.cidr.ip.family}, but bundle ${bundle.name} carries IPv${families.join(" and IPv")}`, hint: `route each family through a bundle addressed in it: add an IPv${route.cidr.ip.family} address to both ends (address: [IPv4, IPv6])` }];
    }
    return [];
  });
}

function paths(ctx: RuleContext, bundle: Bundle): Problem[] {
  const problems: Problem[] = [];
  const endHosts = bundle.ends.map((e) => e.host);
  const seenPairs = new Map<string, number>();
  const seenUplinks = new Map<string, number>();
  for (const path of bundle.paths) {
    const at = ["bundles", bundle.name, "paths", path.index];
    for (const host of path.uplinks.keys()) {
      if (!endHosts.includes(host)) {
        problems.push({ path: [...at, host], at: "key", message: `path ${path.index + 1} of ${bundle.name} names '${host}', which is not an end of the bundle`, hint: `a path names exactly the two ends: ${endHosts.join(", ")}` });
      }
    }
    const missing = endHosts.filter((h) => !path.uplinks.has(h) && ctx.host(h) !== undefined);
    for (const host of missing) {
      problems.push({ path: at, message: `path ${path.index + 1} of ${bundle.name} has no uplink for ${host}`, hint: `add ${host}: <uplink> to the path` });
    }
    let complete = missing.length === 0;
    for (const [host, uplink] of path.uplinks) {
      if (ctx.host(host) === undefined || !endHosts.includes(host)) continue;
      const u = ctx.uplink(host, uplink);
      if (u === undefined) {
        complete = false;
        const names = ctx.host(host)?.uplinks.map((x) => x.name) ?? [];
        const guess = closest(uplink, names);
        problems.push({ path: [...at, host], message: `host ${host} has no uplink '${uplink}'`, hint: guess ? `did you mean '${guess}'?` : `use one of ${host}'s uplinks (${names.join(", ")}), or declare it under hosts.${host}.uplinks` });
      }
    }
    if (!complete) continue;
    problems.push(...pathAddressing(ctx, bundle, path, at));
    const pair = endHosts.map((h) => path.uplinks.get(h)).join(" <-> ");
    if (usesTunnels(bundle) || bundle.transport === "wireguard") {
      if (seenPairs.has(pair)) problems.push({ path: at, message: `paths ${(seenPairs.get(pair) ?? 0) + 1} and ${path.index + 1} of ${bundle.name} both join ${pair}`, hint: "each path joins a different pair of uplinks" });
      seenPairs.set(pair, path.index);
    } else {
      for (const host of endHosts) {
        const key = `${host}/${path.uplinks.get(host)}`;
        if (seenUplinks.has(key)) problems.push({ path: [...at, host], message: `uplink ${path.uplinks.get(host)} of ${host} is in paths ${(seenUplinks.get(key) ?? 0) + 1} and ${path.index + 1} of ${bundle.name}`, hint: `a ${bundle.strategy} path needs an uplink of its own on each end` });
        seenUplinks.set(key, path.index);
      }
    }
  }
  return problems;
}

function pathAddressing(ctx: RuleContext, bundle: Bundle, path: Path, at: (string | number)[]): Problem[] {
  const [hostA, hostB] = bundle.ends.map((e) => e.host);
  if (hostA === undefined || hostB === undefined) return [];
  const a = ctx.uplink(hostA, path.uplinks.get(hostA) ?? "");
  const b = ctx.uplink(hostB, path.uplinks.get(hostB) ?? "");
  if (a === undefined || b === undefined) return [];
  const problems: Problem[] = [];
  // Over wireguard one end may dial from anywhere: wireguard.ts checks that the other can be reached.
  if (bundle.transport === "wireguard") return [];
  for (const u of [a, b]) {
    if (u.nat) {
      problems.push({ path: [...at, u.host], message: `uplink ${u.name} of ${u.host} is behind NAT (nat: true): nobody can reach it, and a gre ${usesTunnels(bundle) ? "tunnel" : "path"} of ${bundle.name} needs both ends reachable`, hint: "use transport: wireguard (this end then dials out), or carry this path over another uplink" });
    }
    if (u.publicText !== undefined && u.public === undefined) {
      problems.push({ path: [...at, u.host], message: `uplink ${u.name} of ${u.host} is reached by the name ${u.publicText}, but a gre tunnel needs an address`, hint: "write the public address, or use transport: wireguard (it resolves names)" });
    }
    if (!u.dhcp) continue;
    problems.push(
      usesTunnels(bundle)
        ? { path: [...at, u.host], message: `uplink ${u.name} of ${u.host} takes its address from DHCP, so it cannot carry a gretap tunnel of ${bundle.name}: both ends of a tunnel need each other's fixed address`, hint: `give ${u.name} a fixed address (a DHCP reservation written as address:), or carry this path over an uplink with one` }
        : { path: [...at, u.host], message: `uplink ${u.name} of ${u.host} takes its address from DHCP; a ${bundle.strategy} path needs fixed addresses on both ends`, hint: `give ${u.name} a fixed address in the far end's subnet` },
    );
  }
  if (!a.address || !b.address) return problems;
  if (usesTunnels(bundle)) {
    if (a.address.ip.family !== b.address.ip.family) {
      problems.push({ path: at, message: `path ${path.index + 1} of ${bundle.name} joins IPv${a.address.ip.family} ${a.name} to IPv${b.address.ip.family} ${b.name}`, hint: "a tunnel's two outer addresses are of one family" });
    }
  } else if (!contains(a.address, b.address.ip) || !contains(b.address, a.address.ip)) {
    problems.push({ path: [...at, hostB], message: `${hostA}'s ${a.name} (${a.addressText}) and ${hostB}'s ${b.name} (${b.addressText}) are not in one subnet`, hint: `a ${bundle.strategy} path is a direct link: its two uplinks share a subnet` });
  }
  return problems;
}

function strategyKeys(bundle: Bundle): Problem[] {
  const problems: Problem[] = [];
  const base = ["bundles", bundle.name];
  const primaries = bundle.paths.filter((p) => p.primary);
  if (bundle.strategy === "redundant") {
    for (const p of primaries) problems.push({ path: [...base, "paths", p.index, "primary"], at: "key", message: `primary means nothing to a redundant bundle: every packet goes over every path, none is preferred`, hint: "remove it; use failover for one path at a time with a primary" });
  } else if (bundle.strategy !== "failover") {
    for (const p of primaries) problems.push({ path: [...base, "paths", p.index, "primary"], at: "key", message: `primary means nothing to a ${bundle.strategy} bundle`, hint: "only failover has a primary path; remove it" });
  } else if (primaries.length > 1) {
    const second = primaries[1]!;
    problems.push({ path: [...base, "paths", second.index, "primary"], at: "key", message: `${bundle.name} has ${primaries.length} primary paths`, hint: "mark exactly one path primary: true" });
  }
  if (bundle.strategy !== "ecmp") {
    for (const p of bundle.paths.filter((x) => x.weight !== undefined)) problems.push({ path: [...base, "paths", p.index, "weight"], at: "key", message: `weight means nothing to a ${bundle.strategy} bundle`, hint: "only ecmp next hops have weights; remove it" });
  }
  if (bundle.hasMonitor && bundle.strategy === "redundant") {
    problems.push({ path: [...base, "monitor"], at: "key", message: `a redundant bundle has no ARP monitor: its bond sends every packet over every path, so a dead path loses nothing and there is no path to take out`, hint: "remove monitor:" });
  } else if (bundle.hasMonitor && !monitorsPaths(bundle)) {
    problems.push({ path: [...base, "monitor"], at: "key", message: `a ${bundle.strategy} bundle has no ARP monitor`, hint: "monitor: applies to failover and balance-rr bonds; remove it" });
  } else if (bundle.hasMonitor && /^\d+(ms|s)$/.test(bundle.monitorInterval)) {
    const ms = intervalMs(bundle.monitorInterval);
    if (ms < 10 || ms > 10000) problems.push({ path: [...base, "monitor", "interval"], message: `monitor interval ${bundle.monitorInterval} is outside 10ms..10s`, hint: "100ms detects a dead path in about 250 ms" });
  }
  return problems;
}

/** teql members belong to one equalizer and to nothing else. */
function exclusiveUplinks(ctx: RuleContext): Problem[] {
  const problems: Problem[] = [];
  const users = new Map<string, { bundle: Bundle; path: Path }[]>();
  for (const bundle of ctx.inventory.bundles) {
    for (const path of bundle.paths) {
      // Appended in place: an exit's uplink carries thousands of paths, and a copy per path was quadratic.
      for (const [host, uplink] of path.uplinks) {
        const key = `${host}/${uplink}`;
        const list = users.get(key);
        if (list) list.push({ bundle, path });
        else users.set(key, [{ bundle, path }]);
      }
    }
  }
  for (const [key, list] of users) {
    // Over wireguard the members are the paths' WireGuard links, not the uplinks.
    const teql = list.find((x) => x.bundle.strategy === "teql" && x.bundle.transport === "gre");
    if (teql === undefined || list.length < 2) continue;
    const [host, uplink] = key.split("/") as [string, string];
    const other = list.find((x) => x !== teql)!;
    problems.push({
      path: ["bundles", other.bundle.name, "paths", other.path.index, host],
      message: `${uplink} of ${host} is a member of teql bundle ${teql.bundle.name} and cannot also carry ${other.bundle.name}`,
      hint: "teql must be the root qdisc of its members; give this path another uplink",
    });
  }
  return problems;
}

/** One host cannot send the same destination (or its default route) through two bundles. */
function routeConflicts(ctx: RuleContext): Problem[] {
  const problems: Problem[] = [];
  const taken = new Map<string, string>();
  for (const bundle of ctx.inventory.bundles) {
    for (const end of bundle.ends) {
      const destinations = [...(end.defaultRoute ? [{ key: "default", path: ["bundles", bundle.name, "ends", end.host, "default_route"], text: "its default route" }] : []), ...end.routes.filter((r) => r.cidr).map((r) => ({ key: networkText(r.cidr!), path: ["bundles", bundle.name, "ends", end.host, "routes", r.index], text: r.text }))];
      for (const d of destinations) {
        const owner = taken.get(`${end.host}|${d.key}`);
        if (owner !== undefined && owner !== bundle.name) {
          problems.push({ path: d.path, message: `${end.host} already sends ${d.text} through bundle ${owner}`, hint: "route each destination through one bundle" });
        } else if (owner === bundle.name) {
          problems.push({ path: d.path, message: `${d.text} is listed twice for ${end.host} in ${bundle.name}`, hint: "remove the duplicate" });
        }
        taken.set(`${end.host}|${d.key}`, bundle.name);
      }
    }
  }
  return problems;
}

/**
 * At most one address per family; a bond needs an IPv4 one: its ARP monitor
 * (arp_ip_target) probes the far end with ARP, which IPv6 does not have, and
 * an IPv6-only bond would never see a path come up.
 */
function dualStack(bundle: Bundle, end: End, at: (string | number)[]): Problem[] {
  const problems: Problem[] = [];
  const families = end.addresses.flatMap((a) => (a.cidr ? [a.cidr.ip.family] : []));
  for (const family of [4, 6] as const) {
    if (families.filter((f) => f === family).length > 1) problems.push({ path: at, message: `end ${end.host} of ${bundle.name} has two IPv${family} addresses`, hint: "an end holds at most one IPv4 and one IPv6 address" });
  }
  if (monitorsPaths(bundle) && families.length === end.addresses.length && !families.includes(4)) {
    problems.push({ path: at, message: `end ${end.host} of ${bundle.strategy} bundle ${bundle.name} has no IPv4 address, and the bond's ARP monitor probes the far end over IPv4 (ARP has no IPv6)`, hint: "add an IPv4 address beside the IPv6 one: address: [10.77.0.1/29, \"fd00:77::1/64\"]" });
  }
  return problems;
}
