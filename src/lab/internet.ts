// Paths that cross the internet and NAT, for bundles whose uplinks are what
// real sites have (issue 11: an LTE modem behind CGNAT with a DHCP address, an
// exit behind 1:1 NAT). Each uplink of a bundle's end gets an "ISP" namespace
// between the host and one shared "internet" namespace (a router):
//   host:uplink --- cust [ISP] wan --- x<k> [internet] x<j> --- wan [ISP] cust --- host:uplink
// The ISP holds the uplink's gateway (or, for `dhcp: true`, a DHCP server,
// busybox udhcpd), and does what the uplink's keys say: `nat: true`
// masquerades (CGNAT), `public:` is 1:1 NAT (DNAT public -> address, SNAT
// back), a plain fixed address is routed. The "wire" of a path (where the
// failover scenario drops packets, and the throughput scenario shapes them) is
// the dialing end's ISP for that path: both its ports, so both directions.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lookup } from "../inventory/lookup.js";
import type { Bundle, Inventory, Uplink } from "../inventory/types.js";
import { networkText } from "../net/address.js";
import { listenerOf } from "../plan/wireguard.js";
import { inNs, ip, link, newNamespace, run, startInNs } from "./namespaces.js";

/** The nftables NAT the ISPs use; the VM's kernel cannot load them on demand. */
export const NAT_MODULES = ["nf_conntrack", "nf_nat", "nft_chain_nat", "nft_nat", "nft_masq", "nft_ct"];

export interface DhcpPool {
  /** The ISP's own address on the uplink's side (the router the lease names), a /24. */
  router: string;
  /** Which pool: the address change moves to the next one. */
  generation: number;
}

export interface Isp {
  ns: string;
  host: string;
  uplink: Uplink;
  /** The ISP's number: its transit subnet is 198.18.<k>.0/24 and its pools 100.<64+generation>.<k>.0/24. */
  k: number;
  /** Its address towards the internet: what a masqueraded uplink's packets come from. */
  outside: string;
  dhcp?: DhcpPool;
  /** Its folder (udhcpd's configuration and leases). */
  dir: string;
}

const poolRouter = (k: number, generation: number) => `100.${64 + generation}.${k}.1`;

/** The end of path `i` that dials (the other listens); for gre, the first end. */
function dialer(inventory: Inventory, bundle: Bundle, i: number): string {
  if (bundle.transport !== "wireguard") return bundle.ends[0]!.host;
  const [a, b] = bundle.ends.map((e) => lookup(inventory).uplink(e.host, bundle.paths[i]!.uplinks.get(e.host)!)!);
  return bundle.ends[1 - (listenerOf(bundle, a!, b!) ?? 1)]!.host;
}

/** udhcpd for the ISP's current pool (killed with the namespace, or by changeLease). */
function serveDhcp(isp: Isp): void {
  const g = isp.dhcp!.generation;
  startUdhcpd(isp.ns, "cust", `100.${64 + g}.${isp.k}`, isp.dir, String(g));
}

/**
 * busybox udhcpd on `iface` in `ns`, leasing <net>.100-199 of the /24 `net`
 * ("100.64.3") with <net>.1 (given to `iface`) as the router; its files in
 * `dir`, named by `tag`. Killed with the namespace.
 */
export function startUdhcpd(ns: string, iface: string, net: string, dir: string, tag: string): void {
  const conf = join(dir, `udhcpd-${tag}.conf`);
  const leases = join(dir, `leases-${tag}`);
  writeFileSync(leases, "");
  const lines = [`start ${net}.100`, `end ${net}.199`, `interface ${iface}`, `lease_file ${leases}`, `pidfile ${join(dir, `udhcpd-${tag}.pid`)}`];
  writeFileSync(conf, [...lines, `opt router ${net}.1`, "opt subnet 255.255.255.0", "opt lease 3600", ""].join("\n"));
  ip("-n", ns, "addr", "add", `${net}.1/24`, "dev", iface);
  startInNs(ns, "busybox", ["udhcpd", "-f", conf], { stdio: "ignore" });
}

/**
 * A new lease with another address, as when the modem reconnects: the ISP's
 * DHCP server moves to the next pool and the uplink's carrier drops for a
 * moment (the host's networkd forgets the lease and asks again). Returns the
 * pool's router; the host's new address is in 100.<64+generation>.<k>.0/24.
 */
export function changeLease(isp: Isp): string {
  if (!isp.dhcp) throw new Error(`${isp.host}:${isp.uplink.name} is not a DHCP uplink`);
  const old = isp.dhcp.router;
  run("sh", ["-c", `kill $(cat '${join(isp.dir, `udhcpd-${isp.dhcp.generation}.pid`)}')`]);
  ip("-n", isp.ns, "link", "set", "cust", "down");
  ip("-n", isp.ns, "addr", "del", `${old}/24`, "dev", "cust");
  isp.dhcp = { generation: isp.dhcp.generation + 1, router: poolRouter(isp.k, isp.dhcp.generation + 1) };
  serveDhcp(isp);
  ip("-n", isp.ns, "link", "set", "cust", "up");
  return isp.dhcp.router;
}

/** The NAT's outside address changes (CGNAT re-mapping): every mapping through it is dropped with the old address. */
export function changeOutside(isp: Isp): string {
  const next = isp.outside.replace(/\.(\d+)$/, (_, n: string) => `.${Number(n) + 1}`);
  // The new address takes over the subnet when the old one goes (else the kernel drops both, and the default route).
  inNs(isp.ns, "sysctl", ["-qw", "net.ipv4.conf.wan.promote_secondaries=1"]);
  ip("-n", isp.ns, "addr", "add", `${next}/24`, "dev", "wan");
  ip("-n", isp.ns, "addr", "del", `${isp.outside}/24`, "dev", "wan");
  ip("-n", isp.ns, "route", "replace", "default", "via", `198.18.${isp.k}.1`, "src", next);
  isp.outside = next;
  return next;
}

function nat(isp: Isp): string | undefined {
  const u = isp.uplink;
  if (u.nat) return `table ip isp {\n  chain post { type nat hook postrouting priority 100; oifname "wan" masquerade; }\n}\n`;
  if (u.public && u.address) {
    return `table ip isp {
  chain pre { type nat hook prerouting priority -100; iifname "wan" ip daddr ${u.public.text} dnat to ${u.address.ip.text}; }
  chain post { type nat hook postrouting priority 100; oifname "wan" ip saddr ${u.address.ip.text} snat to ${u.public.text}; }
}
`;
  }
  return undefined;
}

export interface Internet {
  ns: string;
  isps: Isp[];
  /** Per path, the ISP of its dialing end: the path's wire. */
  wires: Isp[];
}

/**
 * The internet and an ISP per (end, uplink) the bundle uses; hosts' uplinks are
 * created in `hostNs` and left down for their networkd. Namespaces it made are
 * pushed to `made` as they are made, so a failure half way cleans up.
 */
export function buildInternet(inventory: Inventory, bundle: Bundle, hostNs: ReadonlyMap<string, string>, root: string, made: string[]): Internet {
  const inet = newNamespace("lab-internet");
  made.push(inet);
  inNs(inet, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
  const isps = new Map<string, Isp>();
  const ispOf = (host: string, uplinkName: string): Isp => {
    const key = `${host}/${uplinkName}`;
    const known = isps.get(key);
    if (known) return known;
    const uplink = lookup(inventory).uplink(host, uplinkName)!;
    const k = isps.size + 1;
    const ns = newNamespace(`lab-isp${k}`);
    made.push(ns);
    const dir = join(root, `isp${k}`);
    mkdirSync(dir, { recursive: true });
    const isp: Isp = { ns, host, uplink, k, outside: `198.18.${k}.2`, dir };
    isps.set(key, isp);
    inNs(ns, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
    link(hostNs.get(host)!, uplinkName, ns, "cust", { up: false });
    ip("-n", ns, "link", "set", "cust", "up");
    link(ns, "wan", inet, `x${k}`);
    ip("-n", inet, "addr", "add", `198.18.${k}.1/24`, "dev", `x${k}`);
    ip("-n", ns, "addr", "add", `${isp.outside}/24`, "dev", "wan");
    ip("-n", ns, "route", "add", "default", "via", `198.18.${k}.1`);
    if (uplink.dhcp) {
      isp.dhcp = { generation: 0, router: poolRouter(k, 0) };
      serveDhcp(isp);
      if (!uplink.nat) ip("-n", inet, "route", "add", `100.64.${k}.0/24`, "via", isp.outside);
    } else if (uplink.address && uplink.gatewayText) {
      ip("-n", ns, "addr", "add", `${uplink.gatewayText}/${uplink.address.prefix}`, "dev", "cust");
      if (uplink.public) ip("-n", inet, "route", "add", `${uplink.public.text}/32`, "via", isp.outside);
      else if (!uplink.nat) ip("-n", inet, "route", "add", networkText(uplink.address), "via", isp.outside);
    }
    const rules = nat(isp);
    if (rules) run("ip", ["netns", "exec", ns, "nft", "-f", "-"], rules);
    return isp;
  };
  const wires = bundle.paths.map((path, i) => {
    for (const end of bundle.ends) ispOf(end.host, path.uplinks.get(end.host)!);
    const host = dialer(inventory, bundle, i);
    return ispOf(host, path.uplinks.get(host)!);
  });
  return { ns: inet, isps: [...isps.values()], wires };
}
