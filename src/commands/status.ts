// netgen status [INVENTORY] [--limit HOSTS] [--json]: what each host runs.
import { AGENT } from "../push/agent.js";
import { connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { readRelease } from "../push/release.js";
import { resolveSource } from "../push/tree-source.js";

export interface HostStatus {
  host: string;
  reachable: boolean;
  release?: string;
  rendered?: string;
  inSync?: boolean;
  previous?: string;
  pending?: string;
  drift: string[];
  links: { name: string; operational: string; setup: string }[];
  bonds: { name: string; active: string; failures: Record<string, number> }[];
  units: { name: string; state: string }[];
  error?: string;
}

export async function status(args: { inventory?: string; limit?: string; json: boolean }, print: (line: string) => void): Promise<number> {
  const source = resolveSource(args.inventory, args.limit);
  const all: HostStatus[] = [];
  for (const host of source.hosts) {
    const s: HostStatus = { host: host.name, reachable: false, drift: [], links: [], bonds: [], units: [], rendered: readRelease(source.outDir, host.name, source.manifest).id };
    all.push(s);
    let conn;
    try {
      conn = await connect(host, { acceptNew: false, timeoutMs: 10000 });
      const r = await conn.exec(`test -x ${AGENT} && ${AGENT} status || echo 'current none'`);
      s.reachable = true;
      for (const line of r.stdout.split("\n")) {
        const [word, ...rest] = line.split(" ");
        if (word === "current") s.release = rest[0];
        else if (word === "previous") s.previous = rest[0];
        else if (word === "pending") s.pending = rest.join(" ");
        else if (word === "drift") s.drift.push(rest[0]!);
        else if (word === "link") s.links.push({ name: rest[0]!, operational: rest[1] ?? "", setup: rest[2] ?? "" });
        else if (word === "unit") s.units.push({ name: rest[0]!, state: rest[1] ?? "" });
        else if (word === "bond") {
          const active = /active=(\S*)/.exec(line)?.[1] ?? "";
          const failures = Object.fromEntries([...(/failures=(\S*)/.exec(line)?.[1] ?? "").matchAll(/([^:,]+):(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
          s.bonds.push({ name: rest[0]!, active, failures });
        }
      }
      s.inSync = s.release === s.rendered && s.drift.length === 0;
    } catch (error) {
      if (!(error instanceof Unreachable || error instanceof HostKeyRefused)) throw error;
      s.error = (error as Error).message;
    } finally {
      conn?.close();
    }
  }
  if (args.json) print(JSON.stringify({ inventory: source.inventoryFile, hosts: all }, null, 2));
  else {
    for (const s of all) {
      if (!s.reachable) {
        print(`${s.host}: unreachable: ${s.error}`);
        continue;
      }
      print(`${s.host}: release ${s.release}${s.inSync ? " (as rendered)" : ` (rendered: ${s.rendered})`}${s.pending ? `, pending confirmation: ${s.pending}` : ""}${s.drift.length ? `, DRIFT: ${s.drift.join(", ")}` : ""}`);
      for (const l of s.links) print(`  link ${l.name.padEnd(15)} ${l.operational.padEnd(12)} ${l.setup}`);
      for (const b of s.bonds) print(`  bond ${b.name.padEnd(15)} active ${b.active || "(none)"}  failures ${Object.entries(b.failures).map(([k, v]) => `${k}=${v}`).join(" ") || "none"}`);
      for (const u of s.units) print(`  unit ${u.name.padEnd(40)} ${u.state}`);
    }
  }
  return all.some((s) => !s.reachable) ? 4 : all.some((s) => !s.inSync) ? 2 : 0;
}
