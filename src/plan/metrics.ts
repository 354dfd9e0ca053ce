// What a host's metrics loop measures, for node_exporter's textfile collector:
// every bundle end measures each of its paths (ping through the path's uplink
// to the far end's uplink address), a bond end also reports its bond's view of
// the paths, and every shaped uplink its root qdiscs. A host with none of these
// gets no metrics files.
//
// The loop is a long-running service, not a timer: the host agent may only
// write netgen-*.service units (a .timer is not a path it owns), and the loop
// keeps the last active path between rounds to count the bond's switches.
import { hash } from "node:crypto";
import { InternalError } from "../errors.js";
import { lookup } from "../inventory/lookup.js";
import type { Inventory } from "../inventory/types.js";
import type { HostBuilder } from "./builder.js";
import { runsBond } from "./devices.js";
import type { MetricsPlan } from "./model.js";
import { ifbName, pathLabel } from "./names.js";
import { planShaping } from "./shaping.js";
import { TC } from "./tc.js";
import type { TunnelBundle } from "./tunnels.js";
import { endsOf, type WireguardBundle } from "./wireguard.js";

/** Debian's prometheus-node-exporter reads *.prom here (its textfile collector's default). */
export const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
/** The file the loop writes, and `netgen status` reads through the agent. */
export const METRICS_FILE = `${TEXTFILE_DIR}/netgen.prom`;
const PING = "/bin/ping";
/** A round every 5 s: node_exporter is usually scraped every 15 s or more. */
export const INTERVAL_SECONDS = 5;
/**
 * 5 probes 0.2 s apart (the shortest interval ping allows without root is 0.2 s),
 * each waited for 1 s, the whole round ended after 2 s: a dead path costs 2 s,
 * inside the 5 s round, and a probe still unanswered then counts as lost.
 */
const probeArgv = (uplink: string) => [PING, "-n", "-q", "-I", uplink, "-c", "5", "-i", "0.2", "-W", "1", "-w", "2"];

export function planMetrics(b: HostBuilder, inventory: Inventory, tunnels: ReadonlyMap<string, TunnelBundle>, wireguard: ReadonlyMap<string, WireguardBundle>): void {
  const host = b.host;
  const index = lookup(inventory);
  const plan: MetricsPlan = { file: METRICS_FILE, intervalSeconds: INTERVAL_SECONDS, tc: TC, probes: [], bonds: [], qdiscs: [] };
  for (const bundle of index.bundlesOf(host)) {
    const endIndex = bundle.ends.findIndex((e) => e.host === host);
    const tb = tunnels.get(bundle.name);
    if (tb) {
      const slaves: { device: string; path: string }[] = [];
      for (const t of tb.tunnels) {
        const mine = t.ends[0].host === host ? t.ends[0] : t.ends[1];
        // Over wireguard the far end's link address is reached through the path's WireGuard link.
        plan.probes.push({ id: stateId(bundle.name, t.label), bundle: bundle.name, path: t.label, uplink: mine.uplink.name, argv: probeArgv(mine.underlay), target: mine.remote });
        slaves.push({ device: t.name, path: t.label });
      }
      // The bridge end of a failover bundle has no active path of its own: it answers where the bond sends.
      // A redundant (broadcast) bond has no monitor, so its members always read up: the probes say more.
      if (runsBond(bundle, endIndex) && bundle.strategy !== "redundant") plan.bonds.push({ id: stateId(bundle.name), bundle: bundle.name, bond: bundle.name, activeBackup: bundle.strategy === "failover", slaves });
    } else if (wireguard.has(bundle.name)) {
      for (const link of wireguard.get(bundle.name)!.links) {
        const { mine, peer } = endsOf(link, host);
        plan.probes.push({ id: stateId(bundle.name, link.label), bundle: bundle.name, path: link.label, uplink: mine.uplink.name, argv: probeArgv(link.device), target: peer.ip });
      }
    } else {
      // ecmp and teql: no tunnel; the path is the pair of uplinks itself.
      const peer = bundle.ends[1 - endIndex]!;
      for (const path of bundle.paths) {
        const uplink = path.uplinks.get(host);
        const far = index.uplink(peer.host, path.uplinks.get(peer.host) ?? "")?.address;
        if (uplink === undefined || far === undefined) continue;
        plan.probes.push({ id: stateId(bundle.name, pathLabel(bundle, path)), bundle: bundle.name, path: pathLabel(bundle, path), uplink, argv: probeArgv(uplink), target: far.ip.text });
      }
    }
  }
  for (const s of planShaping(inventory, host)) {
    if (s.egress) plan.qdiscs.push({ uplink: s.uplink.name, direction: "egress", device: s.uplink.name });
    if (s.ingress) plan.qdiscs.push({ uplink: s.uplink.name, direction: "ingress", device: ifbName(s.uplink.name) });
  }
  if (plan.probes.length + plan.bonds.length + plan.qdiscs.length === 0) return;
  // Sorted by name, not by the inventory's order: reordering paths changes no line.
  const byPath = (a: { bundle: string; path: string }, b: { bundle: string; path: string }) => compare(`${a.bundle}/${a.path}`, `${b.bundle}/${b.path}`);
  plan.probes.sort(byPath);
  plan.bonds.sort((a, b) => compare(a.bundle, b.bundle));
  for (const bond of plan.bonds) bond.slaves.sort((a, b) => compare(a.path, b.path));
  const ids = [...plan.probes, ...plan.bonds].map((x) => x.id);
  if (new Set(ids).size !== ids.length) throw new InternalError(`${host}: metrics: two paths or bonds hash to one state name`);
  checkWords(host, plan);
  b.setMetrics(plan);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A shell-variable-safe name for a path's (or a bond's) state, the same wherever the path sits in the inventory. */
function stateId(...parts: string[]): string {
  // crypto.hash: createHash's result in one call, without a Hash object per id (names.ts).
  return `s${hash("sha256", `netgen-metrics/${parts.join("/")}`, "hex").slice(0, 10)}`;
}

/**
 * Every value lands unquoted-safe in a shell script and in Prometheus label
 * values: validation allows only such names and addresses, so anything else is netgen's bug.
 */
function checkWords(host: string, plan: MetricsPlan): void {
  // Word by word, without a list of them all: an exit node has thousands of probes.
  const check = (...words: string[]) => {
    const bad = words.find((w) => !PLAIN_WORD.test(w));
    if (bad !== undefined) throw new InternalError(`${host}: metrics: '${bad}' is not a plain name or address`);
  };
  for (const p of plan.probes) check(p.bundle, p.path, p.uplink, p.target, ...p.argv);
  for (const b of plan.bonds) {
    check(b.bundle, b.bond);
    for (const s of b.slaves) check(s.device, s.path);
  }
  for (const q of plan.qdiscs) check(q.uplink, q.device);
}

const PLAIN_WORD = /^[A-Za-z0-9_.:\/-]+$/;
