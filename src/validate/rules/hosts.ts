// Rules about hosts on their own: uplink addressing, gateways, loopbacks, NAT.
import { type Cidr, contains, formatIp, hostBitsSet, isHostPrefix, networkText, overlaps, bits } from "../../net/address.js";
import type { Problem } from "../../errors.js";
import { lookup } from "../../inventory/lookup.js";
import type { Host, Uplink } from "../../inventory/types.js";
import type { RuleContext } from "./context.js";

export function hostRules(ctx: RuleContext): Problem[] {
  return [...groupNames(ctx), ...ctx.inventory.hosts.flatMap((host) => [
    ...host.uplinks.flatMap((u) => uplinkAddressing(host, u)),
    ...uplinkOverlaps(host),
    ...loopbacks(host),
    ...masquerade(ctx, host),
  ])];
}

/** --limit takes host and group names in one list: a group named like a host would make `--limit x` mean two things. */
function groupNames(ctx: RuleContext): Problem[] {
  return ctx.inventory.hosts.flatMap((host) =>
    host.groups.flatMap((group, i) =>
      ctx.host(group) === undefined
        ? []
        : [{ path: ["hosts", host.name, "groups", i], message: `group '${group}' of ${host.name} has the name of a host`, hint: "rename the group (e.g. add an 's'): --limit takes host and group names alike" }],
    ),
  );
}

function uplinkAddressing(host: Host, u: Uplink): Problem[] {
  const at = ["hosts", host.name, "uplinks", u.name];
  const problems: Problem[] = [];
  if (u.addressText !== undefined && u.dhcp) {
    problems.push({ path: [...at, "dhcp"], at: "key", message: `uplink ${u.name} of ${host.name} has both an address and dhcp: true`, hint: "keep one of them" });
  }
  if (u.addressText === undefined && !u.dhcp) {
    problems.push({ path: at, at: "key", message: `uplink ${u.name} of ${host.name} has neither an address nor dhcp: true`, hint: "add address: A.B.C.D/NN, or dhcp: true" });
  }
  if (u.addressText !== undefined) {
    problems.push(...hostAddress(u.addressText, u.address, [...at, "address"], `uplink ${u.name} of ${host.name}`));
  }
  if (u.gatewayText !== undefined) {
    if (u.gateway === undefined) {
      problems.push({ path: [...at, "gateway"], message: `'${u.gatewayText}' is not an IP address`, hint: "write the gateway's address alone, without a prefix, e.g. 10.88.15.1" });
    } else if (u.dhcp) {
      problems.push({ path: [...at, "gateway"], at: "key", message: `uplink ${u.name} takes its gateway from DHCP`, hint: "remove gateway:, or replace dhcp: true by a fixed address" });
    } else if (u.address !== undefined && !contains(u.address, u.gateway)) {
      problems.push({ path: [...at, "gateway"], message: `gateway ${u.gatewayText} is not in ${u.name}'s subnet ${networkText(u.address)}`, hint: "a gateway must be reachable directly on the uplink: fix the gateway or the prefix length" });
    } else if (u.address !== undefined && u.address.ip.value === u.gateway.value) {
      problems.push({ path: [...at, "gateway"], message: `gateway ${u.gatewayText} is ${u.name}'s own address`, hint: "the gateway is the router on the other side of the uplink" });
    }
  }
  return problems;
}

/** An address meant for an interface: valid, and not a subnet's network or broadcast address. */
export function hostAddress(text: string, cidr: Cidr | undefined, path: (string | number)[], what: string): Problem[] {
  if (cidr === undefined) {
    return [{ path, message: `'${text}' is not an address with prefix length (${what})`, hint: "write it like 10.88.15.100/24 or 2001:db8::1/64" }];
  }
  const width = bits(cidr.ip.family);
  if (cidr.prefix < width - 1 && !hostBitsSet(cidr)) {
    return [{ path, message: `${text} is the network address of its subnet, not a host address (${what})`, hint: "use an address inside the subnet, e.g. the .1" }];
  }
  const hostMask = (1n << BigInt(width - cidr.prefix)) - 1n;
  if (cidr.ip.family === 4 && cidr.prefix < 31 && (cidr.ip.value & hostMask) === hostMask) {
    return [{ path, message: `${text} is the broadcast address of its subnet (${what})`, hint: "use an address inside the subnet" }];
  }
  return [];
}

function uplinkOverlaps(host: Host): Problem[] {
  const problems: Problem[] = [];
  const seen: Uplink[] = [];
  for (const u of host.uplinks) {
    const clash = u.address && seen.find((s) => s.address && overlaps(s.address, u.address!));
    if (clash && u.address && clash.address) {
      problems.push({
        path: ["hosts", host.name, "uplinks", u.name, "address"],
        message: `${u.name}'s subnet ${networkText(u.address)} overlaps ${clash.name}'s ${networkText(clash.address)} on ${host.name}`,
        hint: "each uplink of a host needs its own subnet, or routing cannot tell them apart",
      });
    }
    seen.push(u);
  }
  return problems;
}

function loopbacks(host: Host): Problem[] {
  return host.loopbacks.flatMap((lo) => {
    const path = ["hosts", host.name, "loopbacks", lo.name];
    if (lo.address === undefined) {
      return [{ path, message: `'${lo.addressText}' is not an address with prefix length (loopback ${lo.name} of ${host.name})`, hint: "write it like 10.10.10.10/32" }];
    }
    if (!isHostPrefix(lo.address)) {
      const single = `${formatIp(lo.address.ip.family, lo.address.ip.value)}/${bits(lo.address.ip.family)}`;
      return [{ path, message: `loopback ${lo.name} holds ${lo.addressText}; a loopback holds a single service address`, hint: `write ${single}` }];
    }
    return [];
  });
}

function masquerade(ctx: RuleContext, host: Host): Problem[] {
  const natUplinks = host.uplinks.filter((u) => u.masquerade);
  if (natUplinks.length === 0) return [];
  const withDevice = lookup(ctx.inventory).bundlesOf(host.name).filter((b) => b.strategy !== "ecmp");
  if (withDevice.length > 0) return [];
  return natUplinks.map((u) => ({
    path: ["hosts", host.name, "uplinks", u.name, "masquerade"],
    at: "key" as const,
    message: `${u.name} of ${host.name} masquerades bundle traffic, but ${host.name} ends no failover, balance-rr, redundant or teql bundle`,
    hint: "masquerade NATs traffic arriving from a bundle device; remove it or add such a bundle",
  }));
}
