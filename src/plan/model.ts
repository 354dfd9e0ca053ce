// The typed model of one host's configuration: plain data, no I/O. The planner
// fills it, the renderer turns it into files. Arrays are sorted by the planner.

export interface HostPlan {
  host: string;
  inventory: string;
  systemd: number;
  netdevs: NetDevPlan[];
  networks: NetworkPlan[];
  shapers: ShaperPlan[];
  equalizers: EqualizerPlan[];
  nat?: NatPlan;
  modules: string[];
  moduleOptions: { module: string; options: string; why: string }[];
  sysctls: { key: string; value: string; why: string }[];
}

export type NetDevKind = "bond" | "bridge" | "gretap" | "ip6gretap" | "dummy" | "ifb";

export interface NetDevPlan {
  name: string;
  kind: NetDevKind;
  description: string;
  mac?: string;
  mtu?: number;
  bond?: BondPlan;
  tunnel?: { local: string; remote: string; key?: number };
}

export interface BondPlan {
  mode: "active-backup" | "balance-rr";
  arpIntervalMs: number;
  arpTargets: string[];
  /** active-backup only: validate probes on the active and backup tunnels. */
  arpValidate?: "all";
  primaryReselect?: "always";
}

export interface NetworkPlan {
  /** The interface matched by name. */
  name: string;
  description: string;
  /** Interfaces netgen creates (vs. uplinks that exist already). */
  virtual: boolean;
  addresses: string[];
  dhcp: boolean;
  /** DHCP route metric, when dhcp. */
  dhcpRouteMetric?: number;
  tunnels: string[];
  bond?: string;
  bridge?: string;
  primarySlave: boolean;
  linkLocal: boolean;
  forwarding: boolean;
  configureWithoutCarrier: boolean;
  ignoreCarrierLoss: boolean;
  teqlId?: number;
  routes: RoutePlan[];
}

export interface RoutePlan {
  why: string;
  /** Absent: the default route. */
  destination?: string;
  gateway?: string;
  metric?: number;
  nexthops: { via: string; dev: string; weight: number }[];
}

export interface ShaperPlan {
  device: string;
  egress?: string;
  ingress?: { rate: string; ifb: string };
  notes: string[];
}

/**
 * A teql device and its members. teqlN refuses to come up until a member's
 * root qdisc feeds it (EUNATCH), and networkd brings links up in no set order:
 * it logs "Could not bring up interface, ignoring" and never retries. A unit
 * attaches the members and brings the device up when a member appears.
 */
export interface EqualizerPlan {
  device: string;
  members: string[];
}

export interface NatPlan {
  rules: { from: string[]; to: string }[];
}
