// Plain YAML data -> typed Inventory. Tolerant on purpose: it runs even when the
// schema check failed, so that semantic problems are reported in the same run.
// Every address that parses is kept in canonical text (see net/address.ts), so
// no later stage can render the user's spelling of it.
import { type Cidr, parseCidr, parseIp } from "../net/address.js";
import {
  type Bundle,
  DEFAULT_MONITOR_INTERVAL,
  DEFAULT_WIREGUARD_PORT,
  DEFAULT_MTU,
  DEFAULT_SYSTEMD,
  type End,
  type Host,
  type Inventory,
  type Path,
  type Strategy,
  type Uplink,
} from "./types.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);
const bool = (v: unknown): boolean => v === true;
const STRATEGIES: readonly string[] = ["failover", "balance-rr", "redundant", "ecmp", "teql"];
/** A path's own keys; every other key of a path entry is a host. */
const PATH_KEYS: readonly string[] = ["name", "primary", "weight"];

export function readInventory(file: string, data: unknown): Inventory {
  const root = obj(data);
  const defaults = obj(root.defaults);
  const defaultSsh = obj(defaults.ssh);
  const hosts = Object.entries(obj(root.hosts)).map(([name, raw]) => readHost(name, obj(raw), defaults, defaultSsh));
  const bundles = Object.entries(obj(root.bundles)).flatMap(([name, raw]) => readBundle(name, obj(raw)));
  return { file, hosts, bundles, publicKeys: new Map() };
}

function readHost(name: string, raw: Obj, defaults: Obj, defaultSsh: Obj): Host {
  const ssh = obj(raw.ssh);
  const uplinks = Object.entries(obj(raw.uplinks)).map(([uplink, u], order) => readUplink(name, uplink, order, obj(u)));
  const loopbacks = Object.entries(obj(raw.loopbacks)).map(([lo, text]) => {
    const address = parseCidr(str(text) ?? "");
    return { name: lo, addressText: address?.text ?? str(text) ?? "", address };
  });
  const groups = Array.isArray(raw.groups) ? raw.groups.filter((g): g is string => typeof g === "string") : [];
  return {
    name,
    groups,
    systemd: int(raw.systemd) ?? int(defaults.systemd) ?? DEFAULT_SYSTEMD,
    ssh: {
      host: str(ssh.host),
      hostKey: str(ssh.host_key),
      identity: setting(name, "identity", ssh, defaultSsh),
      user: str(ssh.user) ?? str(defaultSsh.user),
      port: int(ssh.port) ?? int(defaultSsh.port),
      jump: setting(name, "jump", ssh, defaultSsh),
    },
    uplinks,
    loopbacks,
  };
}

/** The host's own value of an ssh key, else the one under defaults.ssh, with where it was written. */
function setting(host: string, key: string, ssh: Obj, defaultSsh: Obj) {
  const own = str(ssh[key]);
  if (own !== undefined) return { value: own, where: `hosts.${host}.ssh.${key}` };
  const shared = str(defaultSsh[key]);
  return shared === undefined ? undefined : { value: shared, where: `defaults.ssh.${key}` };
}

function readUplink(host: string, name: string, order: number, raw: Obj): Uplink {
  const address = parseCidr(str(raw.address) ?? "");
  const gateway = parseIp(str(raw.gateway) ?? "");
  const reach = parseIp(str(raw.public) ?? "");
  const shape = raw.shape === undefined ? undefined : { egress: str(obj(raw.shape).egress), ingress: str(obj(raw.shape).ingress) };
  return {
    host,
    name,
    order,
    addressText: address?.text ?? str(raw.address),
    address,
    gatewayText: gateway?.text ?? str(raw.gateway),
    gateway,
    dhcp: bool(raw.dhcp),
    nat: bool(raw.nat),
    publicText: reach?.text ?? str(raw.public),
    public: reach,
    masquerade: bool(raw.masquerade),
    mtu: int(raw.mtu) ?? DEFAULT_MTU,
    shape,
  };
}

/** A route as text that can reach a file: canonical when it parses, else as written (for the message). */
function readRoute(text: string, index: number): { text: string; cidr?: Cidr; index: number } {
  const cidr = parseCidr(text);
  return { text: cidr?.text ?? text, cidr, index };
}

function readBundle(name: string, raw: Obj): Bundle[] {
  const strategy = str(raw.strategy);
  if (strategy === undefined || !STRATEGIES.includes(strategy)) return []; // the schema reports it
  const ends: End[] = Object.entries(obj(raw.ends)).map(([host, e]) => {
    const end = obj(e);
    const written = Array.isArray(end.address) ? end.address.map((a, index) => ({ a, index })) : end.address === undefined ? [] : [{ a: end.address, index: undefined }];
    const addresses = written.flatMap(({ a, index }) => {
      if (typeof a !== "string") return []; // the schema reports it
      const cidr = parseCidr(a);
      return [{ text: cidr?.text ?? a, cidr, ...(index === undefined ? {} : { index }) }];
    });
    const primary = addresses.find((a) => a.cidr?.ip.family === 4) ?? addresses[0];
    const routes = Array.isArray(end.routes) ? end.routes : [];
    return {
      host,
      addresses,
      addressText: primary?.text,
      address: primary?.cidr,
      defaultRoute: bool(end.default_route),
      routes: routes.flatMap((r, index) => (typeof r === "string" ? [readRoute(r, index)] : [])),
    };
  });
  const paths: Path[] = (Array.isArray(raw.paths) ? raw.paths : []).map((p, index) => {
    const entry = obj(p);
    const uplinks = new Map<string, string>();
    for (const [key, value] of Object.entries(entry)) {
      if (!PATH_KEYS.includes(key) && typeof value === "string") uplinks.set(key, value);
    }
    return { index, name: str(entry.name), uplinks, primary: bool(entry.primary), weight: int(entry.weight) };
  });
  const interval = str(obj(raw.monitor).interval);
  const linkSubnet = parseCidr(str(raw.link_subnet) ?? "");
  return [{
    name,
    strategy: strategy as Strategy,
    transport: str(raw.transport) === "wireguard" ? "wireguard" : "gre",
    linkSubnetText: linkSubnet?.text ?? str(raw.link_subnet),
    linkSubnet,
    port: int(raw.port) ?? DEFAULT_WIREGUARD_PORT,
    hasPort: raw.port !== undefined,
    ends,
    paths,
    monitorInterval: interval ?? DEFAULT_MONITOR_INTERVAL,
    monitorMissed: int(obj(raw.monitor).missed),
    hasMonitor: raw.monitor !== undefined,
  }];
}
