// An exit's masquerading uplink that no path uses (prod's fo-exit:inet0), wired
// to an "outside" namespace instead of a dead end: the exit's ISP router and a
// stranger on the uplink's segment in one. With it the lab checks the exit's
// forward policy as pushed (issue 14): the bundle's far end reaches the outside
// only masqueraded, and the outside cannot reach into the bundle.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Uplink } from "../inventory/types.js";
import { formatIp, networkOf } from "../net/address.js";
import { startUdhcpd } from "./internet.js";
import { inNs, ip, link, newNamespace } from "./namespaces.js";

export interface Outside {
  ns: string;
  /** The exit and its masquerading uplink. */
  host: string;
  uplink: string;
  /** The outside namespace's own address on the segment (the uplink's gateway). */
  address: string;
}

/** Documentation addresses (RFC 5737) for a DHCP uplink's segment: the lease comes from 203.0.113.100-199. */
const DHCP_NET = "203.0.113";

export function wireOutside(hostNs: string, uplink: Uplink, root: string, made: string[]): Outside {
  const ns = newNamespace(`lab-out-${uplink.host}`);
  made.push(ns);
  // The host's end stays down: its networkd brings the uplink up.
  link(hostNs, uplink.name, ns, "eth0", { up: false });
  ip("-n", ns, "link", "set", "eth0", "up");
  let address: string;
  if (uplink.dhcp || !uplink.address) {
    const dir = join(root, `outside-${uplink.host}`);
    mkdirSync(dir, { recursive: true });
    startUdhcpd(ns, "eth0", DHCP_NET, dir, uplink.name);
    address = `${DHCP_NET}.1`;
  } else {
    // The uplink's gateway, else the first address of its subnet that is not the uplink's own.
    const cidr = uplink.address;
    const first = networkOf(cidr) + 1n;
    address = uplink.gatewayText ?? formatIp(cidr.ip.family, first === cidr.ip.value ? first + 1n : first);
    ip("-n", ns, "addr", "add", `${address}/${cidr.prefix}`, "dev", "eth0");
  }
  return { ns, host: uplink.host, uplink: uplink.name, address };
}

/** The exit's address on the segment, once networkd has configured the uplink (a lease for DHCP). */
export function exitAddress(exitNs: string, outside: Outside): string | undefined {
  const shown = inNs(exitNs, "ip", ["-4", "-o", "addr", "show", "dev", outside.uplink]);
  return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(shown)?.[1];
}
