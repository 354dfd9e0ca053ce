// One host's plan under construction. Every generated file has one owner: the
// planner that creates a netdev or network owns it (a second `own` of the same
// name is a bug). Another planner that needs something on a file it does not
// own (a tunnel bound to an uplink, a teql member, an ecmp route)
// contributes a typed fragment, and `finish` merges the fragments
// into their owners in one place, in the order they were planned, then sorts.
import { InternalError } from "../errors.js";
import type { EqualizerPlan, FirewallPlan, HostPlan, MetricsPlan, NatPlan, NetDevPlan, NetworkPlan, RoutePlan, BondUnitPlan, ShaperPlan } from "./model.js";

/** What a planner may add to a network another planner owns. */
export interface NetworkFragment {
  /** Who contributes it (for errors: "ecmp bundle b0"). */
  from: string;
  tunnels?: string[];
  routes?: RoutePlan[];
  dhcpRouteTable?: number;
  ignoreCarrierLoss?: true;
  teql?: NetworkPlan["teql"];
}

const IPV6_FORWARDING = "net/ipv6/conf/all/forwarding";

export class HostBuilder {
  private readonly netdevs = new Map<string, NetDevPlan>();
  private readonly networks = new Map<string, NetworkPlan>();
  private readonly fragments: { network: string; fragment: NetworkFragment }[] = [];
  private readonly modules = new Set<string>();
  private readonly moduleOptions = new Map<string, { options: string; why: string }>();
  private readonly sysctls = new Map<string, { value: string; why: string }>();
  private readonly shapers: ShaperPlan[] = [];
  private readonly equalizers: EqualizerPlan[] = [];
  private readonly segmenters: BondUnitPlan[] = [];
  private readonly bondSettings: BondUnitPlan[] = [];
  private nat?: NatPlan;
  private readonly gre = new Map<string, { family: "ip" | "ip6"; local: string; remote: string }>();
  private readonly udp = new Map<number, string>();
  private readonly clamps = new Map<string, { mtu: number; why: string }>();
  private metrics?: MetricsPlan;

  constructor(
    readonly host: string,
    private readonly inventory: string,
    readonly systemd: number,
  ) {}

  /** The network file of `network.name`, owned by the caller from now on. */
  own(network: NetworkPlan): NetworkPlan {
    if (this.networks.has(network.name)) throw new InternalError(`${this.host}: two planners own the network of ${network.name}`);
    this.networks.set(network.name, network);
    return network;
  }

  addNetdev(netdev: NetDevPlan): void {
    if (this.netdevs.has(netdev.name)) throw new InternalError(`${this.host}: two planners own the netdev of ${netdev.name}`);
    this.netdevs.set(netdev.name, netdev);
  }

  /** Add to a network another planner owns: merged by `finish`. */
  contribute(network: string, fragment: NetworkFragment): void {
    this.fragments.push({ network, fragment });
  }

  addShaper(shaper: ShaperPlan): void {
    this.shapers.push(shaper);
  }

  addSegmenter(segmenter: BondUnitPlan): void {
    this.segmenters.push(segmenter);
  }

  addBondSettings(settings: BondUnitPlan): void {
    this.bondSettings.push(settings);
  }

  addEqualizer(equalizer: EqualizerPlan): void {
    this.equalizers.push(equalizer);
  }

  setNat(nat: NatPlan): void {
    this.nat = nat;
  }

  /** GRE of `tunnel` (to `local` from `remote`) passes the input chain (any other GRE is dropped: firewall.ts). */
  acceptGre(tunnel: string, local: string, remote: string): void {
    this.gre.set(tunnel, { family: local.includes(":") ? "ip6" : "ip", local, remote });
  }

  /** A UDP port a tunnel listens on (WireGuard), accepted by the input chain. */
  acceptUdp(port: number, why: string): void {
    const earlier = this.udp.get(port);
    if (earlier !== undefined && earlier !== why) throw new InternalError(`${this.host}: UDP port ${port} planned for ${earlier} and ${why}`);
    this.udp.set(port, why);
  }

  /** TCP SYNs forwarded out of `device` get their MSS clamped to the route's MTU. */
  clampMss(device: string, mtu: number, why: string): void {
    this.clamps.set(device, { mtu, why });
  }

  /**
   * Forwarding for one family, host-wide (sysctl.d, not a networkd directive:
   * see forwarding.ts for why).
   */
  forward(family: 4 | 6, why: string): void {
    if (family === 4) this.sysctl("net/ipv4/ip_forward", "1", why);
    else this.sysctl(IPV6_FORWARDING, "1", why);
  }

  setMetrics(metrics: MetricsPlan): void {
    this.metrics = metrics;
  }

  sysctl(key: string, value: string, why: string): void {
    const earlier = this.sysctls.get(key);
    if (earlier !== undefined && earlier.value !== value) throw new InternalError(`${this.host}: sysctl ${key} planned as ${earlier.value} and ${value}`);
    this.sysctls.set(key, { value, why });
  }

  module(name: string, options?: { options: string; why: string }): void {
    this.modules.add(name);
    if (options) this.moduleOptions.set(name, options);
  }

  finish(): HostPlan {
    for (const { network, fragment } of this.fragments) merge(this.host, this.networks.get(network), network, fragment);
    if (this.sysctls.has(IPV6_FORWARDING)) {
      // networkd accepts router advertisements by default only where the link does not
      // forward IPv6; all/forwarding turns every link's on. A DHCP uplink takes its IPv6
      // address and route from advertisements (uplinks.ts): ask for them explicitly.
      for (const n of this.networks.values()) if (n.dhcp !== undefined && n.ipv6AcceptRA === undefined) n.ipv6AcceptRA = true;
    }
    const byName = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const byDevice = (a: { device: string }, b: { device: string }) => (a.device < b.device ? -1 : 1);
    const firewall = this.firewall();
    // The lab VM's kernel loads no module on demand: nft needs nf_tables loaded (the input
    // chain, MSS clamping and counters are in nf_tables itself on 6.1; NAT adds its own: nat.ts).
    if (firewall.firewall) this.modules.add("nf_tables");
    return {
      host: this.host,
      inventory: this.inventory,
      systemd: this.systemd,
      netdevs: byName(this.netdevs).map(([, v]) => v),
      networks: byName(this.networks).map(([, v]) => ({ ...v, tunnels: [...v.tunnels].sort() })),
      shapers: [...this.shapers].sort(byDevice),
      equalizers: [...this.equalizers].sort(byDevice),
      segmenters: [...this.segmenters].sort(byDevice),
      bondSettings: [...this.bondSettings].sort(byDevice),
      modules: [...this.modules].sort(),
      moduleOptions: byName(this.moduleOptions).map(([module, v]) => ({ module, ...v })),
      sysctls: byName(this.sysctls).map(([key, v]) => ({ key, ...v })),
      ...firewall,
      ...(this.metrics ? { metrics: this.metrics } : {}),
    };
  }

  private firewall(): { firewall?: FirewallPlan } {
    if (this.gre.size === 0 && this.udp.size === 0 && this.clamps.size === 0 && this.nat === undefined) return {};
    const byKey = <K, T>(entries: Iterable<[K, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      firewall: {
        input: {
          gre: byKey(this.gre).map(([tunnel, e]) => ({ ...e, tunnel })),
          udp: byKey(this.udp).map(([port, why]) => ({ port, why })),
        },
        clampMss: byKey(this.clamps).map(([device, c]) => ({ device, ...c })),
        ...(this.nat ? { nat: this.nat } : {}),
      },
    };
  }
}

function merge(host: string, owner: NetworkPlan | undefined, name: string, f: NetworkFragment): void {
  if (owner === undefined) throw new InternalError(`${host}: ${f.from} adds to the network of ${name}, which no planner owns`);
  if (f.tunnels) owner.tunnels.push(...f.tunnels);
  if (f.routes) owner.routes.push(...f.routes);
  if (f.dhcpRouteTable !== undefined) owner.dhcpRouteTable = f.dhcpRouteTable;
  if (f.ignoreCarrierLoss) owner.ignoreCarrierLoss = true;
  if (f.teql) {
    if (owner.teql !== undefined) throw new InternalError(`${host}: ${name} would feed two equalizers`);
    owner.teql = f.teql;
  }
}

export function blankNetwork(name: string, description: string, virtual: boolean): NetworkPlan {
  return {
    name,
    description,
    // A device netgen creates (virtual) is not what "this host is online"
    // means: systemd-networkd-wait-online does not wait for it.
    requiredForOnline: virtual ? false : undefined,
    addresses: [],
    tunnels: [],
    policyRules: [],
    primarySlave: false,
    // It carries the addresses the inventory gives it, nothing more: no fe80::
    // address, no address or route from a router advertisement.
    linkLocalAddressing: virtual ? false : undefined,
    ipv6AcceptRA: virtual ? false : undefined,
    configureWithoutCarrier: false,
    ignoreCarrierLoss: false,
    routes: [],
  };
}
