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
  /** balance-rr bonds and their members: one TCP segment per packet (tunnel-bundles.ts), set by a unit when they appear. */
  segmenters: BondUnitPlan[];
  /** Bond settings the host's networkd cannot write (tunnel-bundles.ts): a oneshot per bond. */
  bondSettings: BondUnitPlan[];
  firewall?: FirewallPlan;
  metrics?: MetricsPlan;
  modules: string[];
  moduleOptions: { module: string; options: string; why: string }[];
  sysctls: { key: string; value: string; why: string }[];
}

export type NetDevKind = "bond" | "bridge" | "gretap" | "ip6gretap" | "dummy" | "ifb" | "wireguard";

export interface NetDevPlan {
  name: string;
  kind: NetDevKind;
  description: string;
  mac?: string;
  mtu?: number;
  bond?: BondPlan;
  bridge?: { stp: boolean };
  /** encapsulationLimit (ip6gretap): "none" leaves out the 8-byte option header the kernel adds by default. */
  tunnel?: { local: string; remote: string; key?: number; encapsulationLimit?: "none" };
  wireguard?: WireguardPlan;
}

/** A WireGuard link: one peer, the far end of its path. */
export interface WireguardPlan {
  /** On the host, named after the public key (wireguard/keys.ts): never in the rendered tree. */
  privateKeyFile: string;
  /** The listening end only; the dialing end takes a random port. */
  listenPort?: number;
  /** Marks the link's own UDP packets: the uplink's routing policy rule sends them out by it. */
  firewallMark: number;
  peer: {
    publicKey: string;
    allowedIps: string[];
    /** The dialing end only: where the listener is reached. */
    endpoint?: string;
    keepaliveSeconds?: number;
  };
}

export interface BondPlan {
  mode: "active-backup" | "balance-rr" | "broadcast";
  /** The ARP monitor; absent on a broadcast bond (nothing to take out of service). */
  arp?: { intervalMs: number; targets: string[]; missedMax?: number };
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
  /** [RoutingPolicyRule]s: packets marked by a WireGuard link look up the uplink's own table. */
  policyRules: { why: string; firewallMark: number; table: number; priority: number; family: "ipv4" | "ipv6" | "both" }[];
  /** [DHCPv4] RouteTable=: the lease's routes go to the uplink's own table, not main. */
  dhcpRouteTable?: number;
  bond?: string;
  bridge?: string;
  primarySlave: boolean;
  linkLocalAddressing?: boolean;
  ipv6AcceptRA?: boolean;
  configureWithoutCarrier: boolean;
  ignoreCarrierLoss: boolean;
  /** [TrivialLinkEqualizer]: the equalizer this member feeds. */
  teql?: { parent: "root"; id: number };
  routes: RoutePlan[];
}

export interface RoutePlan {
  why: string;
  /** A routing table other than main. */
  table?: number;
  /** unreachable: packets that match fail instead of falling through to the next rule. */
  type?: "unreachable";
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

/**
 * A oneshot bound to a bond (and `members`) that sets what networkd does not:
 * one segment per packet into a balance-rr bond, or the ARP monitor's missed
 * intervals before systemd 256 (tunnel-bundles.ts).
 */
export interface BondUnitPlan {
  device: string;
  members: string[];
  description: string;
  notes: string[];
  start: Command[];
  /** Run when the unit stops (a push that drops it stops it first). */
  stop?: Command[];
}

/**
 * netgen's nftables table (firewall.ts): what the host's tunnels let in, MSS
 * clamping on narrow bundles, and, on a masquerading host, NAT and the forward policy.
 */
export interface FirewallPlan {
  /**
   * The input chain limits tunnel protocols only; its policy stays accept (SSH
   * and everything else the host runs are not netgen's to filter).
   * gre: GRE (gretap, ip6gretap: IP protocol 47) to a tunnel's `local` address
   * from its `remote` only, one entry per tunnel (removing a path removes one
   * line); any other GRE is dropped. udp: ports a tunnel listens on (WireGuard), each with its reason.
   */
  input: { gre: { family: "ip" | "ip6"; local: string; remote: string; tunnel: string }[]; udp: { port: number; why: string }[] };
  /**
   * Devices whose MTU is below the LAN's and the uplinks': TCP SYNs forwarded
   * out of them get their MSS lowered to the route's MTU (no PMTUD black hole).
   */
  clampMss: { device: string; mtu: number; why: string }[];
  nat?: NatPlan;
}

export interface NatPlan {
  rules: { from: string[]; to: string }[];
  /**
   * The forward chain's accepts, in order; everything else forwarded through
   * the host is dropped (policy drop), replies to accepted flows excepted.
   * `daddr` limits a rule to declared prefixes of one family (`ip` or `ip6`).
   */
  forward: { from: string[]; to: string[]; daddr?: { family: "ip" | "ip6"; prefixes: string[] } }[];
}

/**
 * What the host's metrics loop measures and where it writes (see metrics.ts).
 * Every value here ends up in a POSIX sh script: names and addresses only.
 */
export interface MetricsPlan {
  /** The .prom file node_exporter's textfile collector reads. */
  file: string;
  /** Seconds between the starts of two rounds. */
  intervalSeconds: number;
  /** The tc binary that reads qdisc counters. */
  tc: string;
  /**
   * One probe round per path: ping argv without its target, and the target.
   * `id` names the path's state in the script (hashed from bundle and path:
   * adding, removing or reordering a path changes no other path's lines).
   */
  probes: { id: string; bundle: string; path: string; uplink: string; argv: string[]; target: string }[];
  /** Bonds whose state is read from /proc/net/bonding. */
  bonds: { id: string; bundle: string; bond: string; activeBackup: boolean; slaves: { device: string; path: string }[] }[];
  /** Root qdiscs of shaped uplinks (the uplink itself for egress, its ifb for ingress). */
  qdiscs: { uplink: string; direction: "egress" | "ingress"; device: string }[];
}
