// A mutable HostPlan under construction: strategies add to it, `finish` sorts.
import type { HostPlan, NetDevPlan, NetworkPlan } from "./model.js";

export class HostBuilder {
  readonly netdevs = new Map<string, NetDevPlan>();
  readonly networks = new Map<string, NetworkPlan>();
  readonly modules = new Set<string>();
  readonly moduleOptions = new Map<string, { options: string; why: string }>();
  readonly sysctls = new Map<string, { value: string; why: string }>();
  readonly plan: HostPlan;

  constructor(host: string, inventory: string, systemd: number) {
    this.plan = { host, inventory, systemd, netdevs: [], networks: [], shapers: [], equalizers: [], modules: [], moduleOptions: [], sysctls: [] };
  }

  network(name: string, init: () => NetworkPlan): NetworkPlan {
    let network = this.networks.get(name);
    if (network === undefined) {
      network = init();
      this.networks.set(name, network);
    }
    return network;
  }

  existing(name: string): NetworkPlan {
    const network = this.networks.get(name);
    if (network === undefined) throw new Error(`no network planned for ${name}`);
    return network;
  }

  addNetdev(netdev: NetDevPlan): void {
    this.netdevs.set(netdev.name, netdev);
  }

  sysctl(key: string, value: string, why: string): void {
    this.sysctls.set(key, { value, why });
  }

  module(name: string, options?: { options: string; why: string }): void {
    this.modules.add(name);
    if (options) this.moduleOptions.set(name, options);
  }

  finish(): HostPlan {
    const byName = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const plan = this.plan;
    plan.netdevs = byName(this.netdevs).map(([, v]) => v);
    plan.networks = byName(this.networks).map(([, v]) => ({ ...v, tunnels: [...v.tunnels].sort() }));
    plan.shapers.sort((a, b) => (a.device < b.device ? -1 : 1));
    plan.equalizers.sort((a, b) => (a.device < b.device ? -1 : 1));
    plan.modules = [...this.modules].sort();
    plan.moduleOptions = byName(this.moduleOptions).map(([module, v]) => ({ module, ...v }));
    plan.sysctls = byName(this.sysctls).map(([key, v]) => ({ key, ...v }));
    return plan;
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
