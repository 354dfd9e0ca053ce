// What `netgen graph` draws: the inventory as declared plus what the planner
// derives from it (aggregate devices, tunnel MTUs and GRE keys, teql devices),
// as plain data in inventory order. The picture reads the plan instead of
// recomputing it, so it shows what render writes.
import { DEFAULT_MTU, type Bundle, type Inventory, type Strategy } from "../inventory/types.js";
import type { HostPlan } from "../plan/model.js";
import { tunnelName } from "../plan/names.js";
import { bondsTunnels } from "../plan/devices.js";

export interface Topology {
  inventory: string;
  hosts: HostNode[];
  bundles: BundleEdges[];
}

export interface HostNode {
  name: string;
  /** Where ssh connects, when it differs from the name. */
  sshHost?: string;
  uplinks: UplinkRow[];
  loopbacks: { name: string; address: string }[];
  /** This host's end of each bundle drawn, in inventory order. */
  ends: EndRow[];
}

export interface UplinkRow {
  name: string;
  /** "10.88.15.100/24", or "dhcp". */
  address: string;
  gateway?: string;
  /** Set only when it differs from the default 1500. */
  mtu?: number;
  masquerade: boolean;
  shape?: { egress?: string; ingress?: string };
}

export interface EndRow {
  bundle: string;
  strategy: Strategy;
  /** The device that holds the end's address (bond, bridge, teqlN), absent for ecmp. */
  device?: string;
  /** "active-backup bond", "bridge", "teql", "multipath routes". */
  role: string;
  address?: string;
  mtu?: number;
  defaultRoute: boolean;
  routes: string[];
}

export interface BundleEdges {
  name: string;
  strategy: Strategy;
  paths: PathEdge[];
}

export interface PathEdge {
  /** 1-based, as an operator counts paths. */
  number: number;
  from: { host: string; uplink: string };
  to: { host: string; uplink: string };
  primary: boolean;
  weight?: number;
  /** The gretap carrying the path (failover, balance-rr). */
  tunnel?: { name: string; mtu?: number; key?: number };
}

/** `only`: draw one bundle and the hosts at its ends. Requires a valid inventory and its plan. */
export function topologyOf(inventory: Inventory, plans: readonly HostPlan[], only?: string): Topology {
  const bundles = inventory.bundles.filter((b) => only === undefined || b.name === only);
  const drawnHosts = only === undefined ? undefined : new Set(bundles.flatMap((b) => b.ends.map((e) => e.host)));
  const planOf = new Map(plans.map((p) => [p.host, p]));
  const hosts = inventory.hosts
    .filter((h) => drawnHosts === undefined || drawnHosts.has(h.name))
    .map((h): HostNode => {
      const plan = planOf.get(h.name)!;
      return {
        name: h.name,
        sshHost: h.ssh.host !== undefined && h.ssh.host !== h.name ? h.ssh.host : undefined,
        uplinks: h.uplinks.map((u) => ({
          name: u.name,
          address: u.dhcp ? "dhcp" : (u.addressText ?? "no address"),
          gateway: u.gatewayText,
          mtu: u.mtu !== DEFAULT_MTU ? u.mtu : undefined,
          masquerade: u.masquerade,
          shape: u.shape,
        })),
        loopbacks: h.loopbacks.map((l) => ({ name: l.name, address: l.addressText })),
        ends: bundles.filter((b) => b.ends.some((e) => e.host === h.name)).map((b) => endRow(b, h.name, plan)),
      };
    });
  return { inventory: inventory.file, hosts, bundles: bundles.map((b) => bundleEdges(b, planOf)) };
}

function endRow(bundle: Bundle, host: string, plan: HostPlan): EndRow {
  const end = bundle.ends.find((e) => e.host === host)!;
  const common = { bundle: bundle.name, strategy: bundle.strategy, address: end.addresses.length > 0 ? end.addresses.map((a) => a.text).join(", ") : undefined, defaultRoute: end.defaultRoute, routes: end.routes.map((r) => r.text) };
  if (bundle.strategy === "ecmp") return { ...common, role: "multipath routes" };
  if (bundle.strategy === "teql") {
    const member = bundle.paths[0]?.uplinks.get(host);
    const equalizer = plan.equalizers.find((q) => member !== undefined && q.members.includes(member));
    return { ...common, device: equalizer?.device, role: "link equalizer" };
  }
  const netdev = plan.netdevs.find((d) => d.name === bundle.name);
  const role = netdev?.bond ? `${netdev.bond.mode} bond` : (netdev?.kind ?? "aggregate");
  return { ...common, device: bundle.name, role, mtu: netdev?.mtu };
}

function bundleEdges(bundle: Bundle, planOf: ReadonlyMap<string, HostPlan>): BundleEdges {
  const [a, b] = bundle.ends.map((e) => e.host) as [string, string];
  const tunnelled = bondsTunnels(bundle.strategy);
  const hasPrimary = bundle.paths.some((p) => p.primary);
  const paths = bundle.paths.map((p): PathEdge => {
    const name = tunnelName(bundle.name, p);
    const gretap = tunnelled ? planOf.get(a)?.netdevs.find((d) => d.name === name) : undefined;
    return {
      number: p.index + 1,
      from: { host: a, uplink: p.uplinks.get(a)! },
      to: { host: b, uplink: p.uplinks.get(b)! },
      // As the planner picks the bond's primary: the marked path, else the first.
      primary: bundle.strategy === "failover" && (hasPrimary ? p.primary : p.index === 0),
      weight: p.weight,
      tunnel: gretap ? { name, mtu: gretap.mtu, key: gretap.tunnel?.key } : undefined,
    };
  });
  return { name: bundle.name, strategy: bundle.strategy, paths };
}
