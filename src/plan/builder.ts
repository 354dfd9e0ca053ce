// One host's plan under construction. Every generated file has one owner: the
// planner that creates a netdev or network owns it (a second `own` of the same
// name is a bug). Another planner that needs something on a file it does not
// own (a tunnel bound to an uplink, a teql member, an ecmp route, NAT
// forwarding) contributes a typed fragment, and `finish` merges the fragments
// into their owners in one place, in the order they were planned, then sorts.
import { InternalError } from "../errors.js";
import type { EqualizerPlan, HostPlan, MetricsPlan, NatPlan, NetDevPlan, NetworkPlan, RoutePlan, ShaperPlan } from "./model.js";

/** What a planner may add to a network another planner owns. */
export interface NetworkFragment {
  /** Who contributes it (for errors: "ecmp bundle b0"). */
  from: string;
  tunnels?: string[];
  routes?: RoutePlan[];
  dhcpRouteTable?: number;
  ignoreCarrierLoss?: true;
  forwarding?: true;
  teql?: NetworkPlan["teql"];
}

export class HostBuilder {
  private readonly netdevs = new Map<string, NetDevPlan>();
  private readonly networks = new Map<string, NetworkPlan>();
  private readonly fragments: { network: string; fragment: NetworkFragment }[] = [];
  private readonly modules = new Set<string>();
  private readonly moduleOptions = new Map<string, { options: string; why: string }>();
  private readonly sysctls = new Map<string, { value: string; why: string }>();
  private readonly shapers: ShaperPlan[] = [];
  private readonly equalizers: EqualizerPlan[] = [];
  private nat?: NatPlan;
  private metrics?: MetricsPlan;

  constructor(
    readonly host: string,
    private readonly inventory: string,
    private readonly systemd: number,
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

  addEqualizer(equalizer: EqualizerPlan): void {
    this.equalizers.push(equalizer);
  }

  setNat(nat: NatPlan): void {
    this.nat = nat;
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
    const byName = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const byDevice = (a: { device: string }, b: { device: string }) => (a.device < b.device ? -1 : 1);
    return {
      host: this.host,
      inventory: this.inventory,
      systemd: this.systemd,
      netdevs: byName(this.netdevs).map(([, v]) => v),
      networks: byName(this.networks).map(([, v]) => ({ ...v, tunnels: [...v.tunnels].sort() })),
      shapers: [...this.shapers].sort(byDevice),
      equalizers: [...this.equalizers].sort(byDevice),
      modules: [...this.modules].sort(),
      moduleOptions: byName(this.moduleOptions).map(([module, v]) => ({ module, ...v })),
      sysctls: byName(this.sysctls).map(([key, v]) => ({ key, ...v })),
      ...(this.nat ? { nat: this.nat } : {}),
      ...(this.metrics ? { metrics: this.metrics } : {}),
    };
  }
}

function merge(host: string, owner: NetworkPlan | undefined, name: string, f: NetworkFragment): void {
  if (owner === undefined) throw new InternalError(`${host}: ${f.from} adds to the network of ${name}, which no planner owns`);
  if (f.tunnels) owner.tunnels.push(...f.tunnels);
  if (f.routes) owner.routes.push(...f.routes);
  if (f.dhcpRouteTable !== undefined) owner.dhcpRouteTable = f.dhcpRouteTable;
  if (f.ignoreCarrierLoss) owner.ignoreCarrierLoss = true;
  if (f.forwarding) owner.forwarding = true;
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
    forwarding: false,
    configureWithoutCarrier: false,
    ignoreCarrierLoss: false,
    routes: [],
  };
}
