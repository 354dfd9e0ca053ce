// The typed model of one host's configuration: plain data, no I/O. The planner
// fills it and decides every directive and command line; the renderer only
// prints it (an absent optional field: no directive). Arrays are sorted by the planner.

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
  bridge?: { stp: boolean };
  tunnel?: { local: string; remote: string; key?: number };
}

export interface BondPlan {
  mode: "active-backup" | "balance-rr";
  arpIntervalMs: number;
  arpTargets: string[];
  /** active-backup only: validate probes on the active and backup tunnels. */
  arpValidate?: "all";
  arpAllTargets?: "any";
  primaryReselect?: "always";
}

export interface NetworkPlan {
  /** The interface matched by name. */
  name: string;
  description: string;
  /** [Link] RequiredForOnline= */
  requiredForOnline?: boolean;
  addresses: string[];
  dhcp?: "ipv4";
  /** DHCP route metric, when dhcp. */
  dhcpRouteMetric?: number;
  tunnels: string[];
  bond?: string;
  bridge?: string;
  primarySlave: boolean;
  linkLocalAddressing?: boolean;
  ipv6AcceptRA?: boolean;
  forwarding: boolean;
  configureWithoutCarrier: boolean;
  ignoreCarrierLoss: boolean;
  /** [TrivialLinkEqualizer]: the equalizer this member feeds. */
  teql?: { parent: "root"; id: number };
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
  description: string;
  notes: string[];
  start: Command[];
  stop: Command[];
}

/** A command a unit runs: argv as the program gets it (quoted in one place, render/exec-line.ts). */
export interface Command {
  argv: string[];
  /** ExecStart=-...: a failure does not fail the unit. */
  mayFail: boolean;
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
  start: Command[];
}

export interface NatPlan {
  rules: { from: string[]; to: string }[];
}
