// A bundle's hosts as network namespaces: each path a "wire" namespace with a
// bridge between the two uplinks (the ISP: it can drop a path's packets while
// both carriers stay up), every host running the real networkd on its rendered
// files, with its own machine-id, its modules loaded and its sysctls applied.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lookup } from "../inventory/lookup.js";
import type { Bundle, Inventory } from "../inventory/types.js";
import type { HostFiles } from "../render/file-set.js";
import { type Networkd, startNetworkd } from "./networkd.js";

export const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
export const inNs = (ns: string, cmd: string, args: string[]) => sh("ip", ["netns", "exec", ns, cmd, ...args]);

export interface LabHost {
  name: string;
  ns: string;
  networkd?: Networkd;
}

export interface Wire {
  ns: string;
  ports: string[]; // the wire's two bridge ports, one towards each end
}

export interface Topology {
  hosts: Map<string, LabHost>;
  wires: Wire[];
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
      sh("modprobe", [m, ...(options.get(m)?.split(" ") ?? [])]);
    } catch {
      /* a module the kernel has built in, or one this lab does not need */
    }
  }
}

export function buildTopology(inventory: Inventory, bundle: Bundle, files: HostFiles[], root: string): Topology {
  const hosts = new Map<string, LabHost>();
  const wires: Wire[] = [];
  const topology: Topology = {
    hosts,
    wires,
    async teardown() {
      for (const h of hosts.values()) await h.networkd?.stop();
      for (const ns of [...[...hosts.values()].map((h) => h.ns), ...wires.map((w) => w.ns)]) {
        try {
          sh("ip", ["netns", "del", ns]);
        } catch {
          /* gone */
        }
      }
    },
  };
  for (const end of bundle.ends) {
    const ns = `lab-${end.host}`.slice(0, 30);
    sh("ip", ["netns", "add", ns]);
    sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
    hosts.set(end.host, { name: end.host, ns });
  }
  const wired = new Set<string>();
  bundle.paths.forEach((path, i) => {
    const ns = `lab-wire${i + 1}`;
    sh("ip", ["netns", "add", ns]);
    sh("ip", ["-n", ns, "link", "add", "br0", "type", "bridge"]);
    sh("ip", ["-n", ns, "link", "set", "br0", "up"]);
    const ports: string[] = [];
    for (const end of bundle.ends) {
      const uplink = path.uplinks.get(end.host)!;
      const port = `p${ports.length}`;
      sh("ip", ["link", "add", "labtmp0", "type", "veth", "peer", "name", "labtmp1"]);
      sh("ip", ["link", "set", "labtmp0", "netns", hosts.get(end.host)!.ns, "name", uplink]);
      sh("ip", ["link", "set", "labtmp1", "netns", ns, "name", port]);
      sh("ip", ["-n", ns, "link", "set", port, "master", "br0", "up"]);
      ports.push(port);
      wired.add(`${end.host}/${uplink}`);
      // The uplink's gateway lives on the wire (the ISP's router).
      const gateway = lookup(inventory).uplink(end.host, uplink);
      if (gateway?.gatewayText && gateway.address) sh("ip", ["-n", ns, "addr", "add", `${gateway.gatewayText}/${gateway.address.prefix}`, "dev", "br0"]);
    }
    wires.push({ ns, ports });
  });
  for (const end of bundle.ends) {
    const host = lookup(inventory).host(end.host)!;
    const ns = hosts.get(end.host)!.ns;
    for (const u of host.uplinks) {
      if (wired.has(`${host.name}/${u.name}`)) continue;
      sh("ip", ["-n", ns, "link", "add", u.name, "type", "veth", "peer", "name", "nowhere"]);
    }
    const dir = join(root, host.name);
    const machineId = join(dir, "machine-id");
    mkdirSync(dir, { recursive: true });
    writeFileSync(machineId, `${sh("systemd-id128", ["new"]).trim()}\n`);
    const hostFiles = files.find((f) => f.host === host.name)!;
    for (const e of hostFiles.entries) {
      if (e.kind !== "file") continue;
      mkdirSync(join(dir, e.path, ".."), { recursive: true });
      writeFileSync(join(dir, e.path), e.content);
    }
    mkdirSync(join(dir, "etc/systemd/network"), { recursive: true });
    const sysctl = hostFiles.entries.find((e) => e.path === "etc/sysctl.d/60-netgen.conf");
    if (sysctl) inNs(ns, "/lib/systemd/systemd-sysctl", [join(dir, sysctl.path)]);
    hosts.get(host.name)!.networkd = startNetworkd(ns, join(dir, "etc/systemd/network"), machineId);
  }
  return topology;
}
