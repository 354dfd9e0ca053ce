// The inventory as typed data, after the schema check. Optional fields are
// absent when the user left them out *or* wrote something the schema refused
// (then the schema has already reported it), so rules never see a wrong type.
// An `...Text` address is canonical when it parses (see net/address.ts) and as
// written otherwise: that form only reaches messages, never a generated file.
import type { Cidr, Ip } from "../net/address.js";

export type Strategy = "failover" | "balance-rr" | "redundant" | "ecmp" | "teql";
export type Transport = "gre" | "wireguard";

export interface Inventory {
  file: string;
  hosts: Host[];
  bundles: Bundle[];
  /**
   * host -> WireGuard public key, from the keys file beside the inventory
   * (wireguard/keys.ts); empty until the pipeline reads it.
   */
  publicKeys: Map<string, string>;
}

export interface Host {
  name: string;
  /** Names that --limit selects the host by (`groups:`), in the order written. */
  groups: string[];
  systemd: number;
  /**
   * What the inventory says about reaching the host, the host's own keys over
   * `defaults.ssh`; what neither says comes from ~/.ssh/config, then netgen's
   * defaults (push/ssh-options.ts). `where` names the key for messages.
   */
  ssh: { host?: string; hostKey?: string; identity?: Setting; user?: string; port?: number; jump?: Setting };
  uplinks: Uplink[];
  loopbacks: Loopback[];
}

/** An inventory value with the key it was written under (`hosts.gw.ssh.jump`, `defaults.ssh.jump`). */
export interface Setting {
  value: string;
  where: string;
}

export interface Uplink {
  host: string;
  name: string;
  /** Declaration order among the host's uplinks: sets route metrics. */
  order: number;
  addressText?: string;
  address?: Cidr;
  gatewayText?: string;
  gateway?: Ip;
  dhcp: boolean;
  /** Behind NAT or CGNAT: nobody can reach it, this end only dials out. */
  nat: boolean;
  /** The address (or DNS name) peers use to reach this uplink, when it differs from `address` (1:1 NAT). */
  publicText?: string;
  /** `public` when it is an address. */
  public?: Ip;
  masquerade: boolean;
  mtu: number;
  shape?: { egress?: string; ingress?: string };
}

export interface Loopback {
  name: string;
  addressText: string;
  address?: Cidr;
}

export interface Bundle {
  name: string;
  strategy: Strategy;
  transport: Transport;
  /** wireguard: one /31 (IPv6: /127) per path for the WireGuard links, in path order. */
  linkSubnetText?: string;
  linkSubnet?: Cidr;
  /** wireguard: the listening end of path i (0-based) uses port + i. */
  port: number;
  /** Whether `port:` was written (it means nothing to gre). */
  hasPort: boolean;
  ends: End[];
  paths: Path[];
  monitorInterval: string;
  /** monitor.missed: intervals without a reply before a path is taken out; undefined keeps the kernel's 2. */
  monitorMissed?: number;
  hasMonitor: boolean;
}

export interface End {
  host: string;
  /**
   * The bundle device's addresses: one, or one IPv4 and one IPv6 (dual stack).
   * `index` is the position in a written list (absent for a single string).
   */
  addresses: { text: string; cidr?: Cidr; index?: number }[];
  /** The address the bundle is built around: its IPv4 one if it has one (ARP probes), else its only one. */
  addressText?: string;
  address?: Cidr;
  defaultRoute: boolean;
  routes: { text: string; cidr?: Cidr; index: number }[];
}

export interface Path {
  /**
   * Position in the bundle's list: for messages, and failover's default primary
   * (the first path), never in a device's name, key or MAC.
   */
  index: number;
  /** Names the path's devices (`<bundle>-<name>`); else they are named from the uplinks it joins. */
  name?: string;
  /** host name -> uplink name, for every host key in the entry. */
  uplinks: Map<string, string>;
  primary: boolean;
  weight?: number;
}

export const DEFAULT_SYSTEMD = 252;
export const DEFAULT_MTU = 1500;
export const DEFAULT_MONITOR_INTERVAL = "100ms";
/** The kernel's arp_missed_max when monitor.missed is not given. */
export const KERNEL_MISSED_MAX = 2;
export const DEFAULT_WIREGUARD_PORT = 51820;
