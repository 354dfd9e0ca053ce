// A bundle's hosts as network namespaces: each path a "wire" namespace with a
// bridge between the two uplinks (the ISP: it can drop a path's packets while
// both carriers stay up), every host running the real networkd on its rendered
// files, with its own machine-id, its modules loaded and its sysctls applied.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lookup } from "../inventory/lookup.js";
import type { Bundle, Inventory } from "../inventory/types.js";
import type { HostFiles } from "../render/file-set.js";
import { giveEqualizers } from "./equalizers.js";
import { buildInternet, type Internet } from "./internet.js";
import { type LabKey, writePrivateKey } from "./keys.js";
import { deadEnd, inNs, ip, link, newNamespace, removeNamespace, run } from "./namespaces.js";
import { type Outside, wireOutside } from "./outside.js";
import { type Networkd, startNetworkd, waitFor } from "./networkd.js";


export interface LabHost {
  name: string;
  ns: string;
  /** The host's rendered files, at their paths under this folder. */
  dir?: string;
  networkd?: Networkd;
}

export interface Wire {
  ns: string;
  ports: string[]; // the wire's two bridge ports, one towards each end
}

export interface Topology {
  hosts: Map<string, LabHost>;
  wires: Wire[];
  /** With TopologyOptions.internet: the ISPs and the internet between the hosts. */
  internet?: Internet;
  /** Masquerading uplinks no path uses, each wired to an outside namespace. */
  outside: Outside[];
  teardown(): Promise<void>;
}

/** Load the modules (with their options) that the hosts' files ask for. */
export function loadModules(files: HostFiles[], extra: string[]): void {
  const options = new Map<string, string>();
  const modules = new Set(extra);
  for (const h of files) {
    for (const e of h.entries) {
      if (e.kind !== "file") continue;
      if (e.path === "etc/modules-load.d/netgen.conf") for (const m of e.content.split("\n").filter((l) => l && !l.startsWith("#"))) modules.add(m);
      if (e.path === "etc/modprobe.d/netgen.conf") for (const m of e.content.matchAll(/^options (\S+) (.*)$/gm)) options.set(m[1]!, m[2]!);
    }
  }
  for (const m of modules) {
    try {
      run("modprobe", [m, ...(options.get(m)?.split(" ") ?? [])]);
    } catch {
      /* a module the kernel has built in, or one this lab does not need */
    }
  }
}

export interface TopologyOptions {
  /** Shape every path to this rate, each way, at the ISP (tc htb rate, e.g. "5mbit"). */
  pathRate?: string;
  /** Paths cross ISPs (NAT, DHCP) and a shared internet (internet.ts) instead of one bridge each. */
  internet?: boolean;
  /** WireGuard key pairs of the hosts (each gets its private key; the inventory already has the public ones). */
  keys?: ReadonlyMap<string, LabKey>;
}

/** The ISP's shaper: HTB at the rate, with a modest queue (100 packets) as a real line has. */
export function shapeWire(ns: string, port: string, rate: string): void {
  inNs(ns, "tc", ["qdisc", "add", "dev", port, "root", "handle", "1:", "htb", "default", "1"]);
  inNs(ns, "tc", ["class", "add", "dev", port, "parent", "1:", "classid", "1:1", "htb", "rate", rate, "ceil", rate]);
  inNs(ns, "tc", ["qdisc", "add", "dev", port, "parent", "1:1", "handle", "10:", "pfifo", "limit", "100"]);
}

/**
 * What systemd does on a host once the devices appear: run each generated tc
 * unit's commands ("-" marks a command whose failure is ignored, as systemd does).
 */
export async function startUnits(topology: Topology, files: HostFiles[]): Promise<string[]> {
  const ran: string[] = [];
  for (const hostFiles of files) {
    const host = topology.hosts.get(hostFiles.host);
    if (!host) continue;
    for (const e of hostFiles.entries) {
      if (e.kind !== "file" || !/^etc\/systemd\/system\/netgen-[^/]*\.service$/.test(e.path)) continue;
      // Only what runs once and ends (tc, ip, nft): a long-running service (the
      // metrics loop) would hold the lab here, and it measures nothing the lab judges.
      if (!/^Type=oneshot$/m.test(e.content)) continue;
      const devices = [...e.content.matchAll(/sys-subsystem-net-devices-(\S+?)\.device/g)].map((m) => m[1]!.replace(/\\x2d/g, "-"));
      for (const d of new Set(devices)) await waitFor(`${d} on ${host.name}`, () => inNs(host.ns, "ip", ["link", "show", d]) || undefined, 60000);
      for (const m of e.content.matchAll(/^ExecStart=(-?)(.*)$/gm)) {
        // The unit's own files (/etc/netgen/...) are in the lab host's folder.
        const command = host.dir ? m[2]!.replace(/(^|\s)\/etc\/netgen\//g, `$1${host.dir}/etc/netgen/`) : m[2]!;
        try {
          inNs(host.ns, "sh", ["-c", command]);
        } catch (error) {
          if (m[1] !== "-") throw new Error(`${host.name}: ${e.path}: ${command} failed: ${(error as { stderr?: string }).stderr ?? error}`);
        }
      }
      ran.push(`${host.name}: ${e.path.split("/").pop()}`);
    }
  }
  return ran;
}

/** `files` must have gone through separateEqualizers (so must startUnits' files). */
export function buildTopology(inventory: Inventory, bundle: Bundle, files: HostFiles[], owners: string[], root: string, options: TopologyOptions = {}): Topology {
  const hosts = new Map<string, LabHost>();
  const wires: Wire[] = [];
  const topology: Topology = {
    hosts,
    wires,
    outside: [],
    async teardown() {
      for (const h of hosts.values()) await h.networkd?.stop();
      removeAll();
    },
  };
  // removeNamespace also kills what runs inside, so a build that fails half way cleans up at once.
  const others: string[] = [];
  const removeAll = () => {
    for (const ns of new Set([...[...hosts.values()].map((h) => h.ns), ...wires.map((w) => w.ns), ...others])) removeNamespace(ns);
  };
  try {
    if (options.internet) wireInternet(inventory, bundle, topology, owners, options, root, others);
    else wire(inventory, bundle, topology, owners, options, root, others);
    startHosts(inventory, bundle, topology, files, root, options.keys);
  } catch (error) {
    removeAll();
    throw error;
  }
  return topology;
}

/** A namespace per end, a wire namespace per path with the ends' uplinks as its bridge ports. */
function wire(inventory: Inventory, bundle: Bundle, topology: Topology, owners: string[], options: TopologyOptions, root: string, made: string[]): void {
  const { hosts, wires } = topology;
  for (const end of bundle.ends) hosts.set(end.host, { name: end.host, ns: newNamespace(`lab-${end.host}`) });
  giveEqualizers(owners, hosts);
  const wired = new Set<string>();
  bundle.paths.forEach((path, i) => {
    const ns = newNamespace(`lab-wire${i + 1}`);
    const ports: string[] = [];
    wires.push({ ns, ports });
    ip("-n", ns, "link", "add", "br0", "type", "bridge");
    ip("-n", ns, "link", "set", "br0", "up");
    for (const end of bundle.ends) {
      const uplink = path.uplinks.get(end.host)!;
      const port = `p${ports.length}`;
      // The host's end stays down: its networkd brings the uplink up.
      link(hosts.get(end.host)!.ns, uplink, ns, port, { up: false });
      ip("-n", ns, "link", "set", port, "master", "br0", "up");
      if (options.pathRate) shapeWire(ns, port, options.pathRate);
      ports.push(port);
      wired.add(`${end.host}/${uplink}`);
      // The uplink's gateway lives on the wire (the ISP's router).
      const gateway = lookup(inventory).uplink(end.host, uplink);
      if (gateway?.gatewayText && gateway.address) ip("-n", ns, "addr", "add", `${gateway.gatewayText}/${gateway.address.prefix}`, "dev", "br0");
    }
  });
  wireTheRest(inventory, bundle, topology, wired, root, made);
}

/** Each uplink no path uses: a masquerading one leads outside (outside.ts), any other nowhere. */
function wireTheRest(inventory: Inventory, bundle: Bundle, topology: Topology, wired: ReadonlySet<string>, root: string, made: string[]): void {
  for (const end of bundle.ends) {
    const host = lookup(inventory).host(end.host)!;
    const ns = topology.hosts.get(end.host)!.ns;
    for (const u of host.uplinks) {
      if (wired.has(`${host.name}/${u.name}`)) continue;
      if (u.masquerade) topology.outside.push(wireOutside(ns, u, root, made));
      else deadEnd(ns, u.name, { carrier: false });
    }
  }
}

/** The hosts, an ISP per uplink they use, the internet between (internet.ts). */
function wireInternet(inventory: Inventory, bundle: Bundle, topology: Topology, owners: string[], options: TopologyOptions, root: string, made: string[]): void {
  const { hosts, wires } = topology;
  for (const end of bundle.ends) hosts.set(end.host, { name: end.host, ns: newNamespace(`lab-${end.host}`) });
  giveEqualizers(owners, hosts);
  const internet = buildInternet(inventory, bundle, new Map([...hosts].map(([name, h]) => [name, h.ns])), root, made);
  topology.internet = internet;
  for (const isp of internet.wires) {
    // Two paths over one uplink share its ISP, and its shaper (a line's rate is the line's).
    if (options.pathRate && !wires.some((w) => w.ns === isp.ns)) for (const port of ["cust", "wan"]) shapeWire(isp.ns, port, options.pathRate);
    wires.push({ ns: isp.ns, ports: ["cust", "wan"] });
  }
  const wired = new Set(internet.isps.map((i) => `${i.host}/${i.uplink.name}`));
  wireTheRest(inventory, bundle, topology, wired, root, made);
}

/** Each host's files in its folder, its own machine-id, its sysctls applied and networkd started. */
function startHosts(inventory: Inventory, bundle: Bundle, { hosts }: Topology, files: HostFiles[], root: string, keys?: ReadonlyMap<string, LabKey>): void {
  for (const end of bundle.ends) {
    const host = lookup(inventory).host(end.host)!;
    const ns = hosts.get(end.host)!.ns;
    const dir = join(root, host.name);
    const machineId = join(dir, "machine-id");
    mkdirSync(dir, { recursive: true });
    writeFileSync(machineId, `${run("systemd-id128", ["new"]).trim()}\n`);
    const hostFiles = files.find((f) => f.host === host.name)!;
    for (const e of hostFiles.entries) {
      if (e.kind !== "file") continue;
      mkdirSync(join(dir, e.path, ".."), { recursive: true });
      writeFileSync(join(dir, e.path), e.content);
    }
    mkdirSync(join(dir, "etc/systemd/network"), { recursive: true });
    const sysctl = hostFiles.entries.find((e) => e.path === "etc/sysctl.d/60-netgen.conf");
    if (sysctl) inNs(ns, "/lib/systemd/systemd-sysctl", [join(dir, sysctl.path)]);
    hosts.get(host.name)!.dir = dir;
    const key = keys?.get(host.name);
    const keyDir = key ? writePrivateKey(join(dir, "wireguard"), key) : undefined;
    hosts.get(host.name)!.networkd = startNetworkd(ns, join(dir, "etc/systemd/network"), machineId, keyDir);
  }
}
