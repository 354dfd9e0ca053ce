// The inventory as typed data, after the schema check. Optional fields are
// absent when the user left them out *or* wrote something the schema refused
// (then the schema has already reported it), so rules never see a wrong type.
// An `...Text` address is canonical when it parses (see net/address.ts) and as
// written otherwise: that form only reaches messages, never a generated file.
import type { Cidr, Ip } from "../net/address.js";

export type Strategy = "failover" | "balance-rr" | "ecmp" | "teql";

export interface Inventory {
  file: string;
  hosts: Host[];
  bundles: Bundle[];
}

export interface Host {
  name: string;
  /** Names that --limit selects the host by (`groups:`), in the order written. */
  groups: string[];
  systemd: number;
  ssh: { host?: string; hostKey?: string; identity?: string; user: string; port: number };
  uplinks: Uplink[];
  loopbacks: Loopback[];
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
  ends: End[];
  paths: Path[];
  monitorInterval: string;
  hasMonitor: boolean;
}

export interface End {
  host: string;
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
