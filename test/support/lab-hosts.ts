// Rendered hosts brought up in network namespaces on this machine's kernel:
// one namespace per host, a veth pair per path, networkd per host.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderInventory } from "../../src/pipeline/pipeline.js";
import { writeTree } from "../../src/output/tree.js";
import { validateFile } from "../../src/pipeline/pipeline.js";
import { deadEnd, inNs, link, newNamespace, removeNamespace } from "../../src/lab/namespaces.js";
import { type Networkd, startNetworkd } from "./networkd.js";

export interface LabHost {
  name: string;
  ns: string;
  root: string;
  networkd?: Networkd;
}

export interface Lab {
  hosts: Map<string, LabHost>;
  teardown(): Promise<void>;
}

/** Render `inventory` and make a namespace per host with its uplinks wired as the paths say. */
export function buildLab(inventoryFile: string, only?: string[]): Lab {
  const out = mkdtempSync(join(tmpdir(), "netgen-lab-"));
  writeTree(out, renderInventory(inventoryFile));
  const inventory = validateFile(inventoryFile);
  const hosts = new Map<string, LabHost>();
  const lab: Lab = {
    hosts,
    async teardown() {
      for (const h of hosts.values()) {
        await h.networkd?.stop();
        removeNamespace(h.ns);
      }
      rmSync(out, { recursive: true, force: true });
    },
  };
  try {
    for (const h of inventory.hosts) {
      if (only && !only.includes(h.name)) continue;
      hosts.set(h.name, { name: h.name, ns: newNamespace(h.name), root: join(out, h.name) });
    }
    const wired = new Set<string>();
    for (const bundle of inventory.bundles) {
      const [a, b] = bundle.ends.map((e) => hosts.get(e.host));
      if (!a || !b) continue;
      for (const path of bundle.paths) {
        const ua = path.uplinks.get(a.name)!;
        const ub = path.uplinks.get(b.name)!;
        if (wired.has(`${a.name}/${ua}`) || wired.has(`${b.name}/${ub}`)) continue;
        link(a.ns, ua, b.ns, ub);
        wired.add(`${a.name}/${ua}`).add(`${b.name}/${ub}`);
      }
    }
    // Uplinks that no path wired (internet side) still exist, as veths to nowhere.
    for (const h of inventory.hosts) {
      const lh = hosts.get(h.name);
      if (!lh) continue;
      for (const u of h.uplinks) if (!wired.has(`${h.name}/${u.name}`)) deadEnd(lh.ns, u.name, { carrier: true });
    }
  } catch (error) {
    void lab.teardown();
    throw error;
  }
  return lab;
}

export function startAll(lab: Lab): void {
  for (const h of lab.hosts.values()) h.networkd = startNetworkd(h.ns, join(h.root, "etc/systemd/network"));
}

/** Run a generated unit's ExecStart= lines in the host's namespace, as systemd would ('-' tolerates failure). */
export function runUnit(host: LabHost, unit: string): void {
  const text = readFileSync(join(host.root, "etc/systemd/system", unit), "utf8");
  for (const line of text.split("\n")) {
    const m = /^ExecStart=(-?)(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const args = m[3]!.trim().split(/\s+/);
    try {
      inNs(host.ns, m[2]!, args);
    } catch (error) {
      if (m[1] !== "-") throw new Error(`${unit}: ${line}: ${(error as { stderr?: string }).stderr ?? String(error)}`);
    }
  }
}

export function units(host: LabHost, prefix: string): string[] {
  try {
    return readdirSync(join(host.root, "etc/systemd/system")).filter((f) => f.startsWith(prefix) && f.endsWith(".service"));
  } catch {
    return [];
  }
}
