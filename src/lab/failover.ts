// The failover scenario: pings every 20 ms and a TCP stream across the
// bundle; the active path is cut twice (its packets dropped upstream with the
// carrier up, then its link taken down), restored each time, and the bond's
// active path is watched throughout.
import type { Bundle } from "../inventory/types.js";
import { tunnelName } from "../plan/names.js";
import { sleep, waitFor } from "./networkd.js";
import { cut, type CutMode, cutPath, longestGap, lostIn, replies, restore, sentIn, startWatchers, stopWatchers } from "./cut.js";
import { changesAfter, current, iperfLongestGapMs, kernelLog, type Sample, timeline, uptimeMs, watchBond } from "./observe.js";
import { answersPing, inNs, startInNs } from "./namespaces.js";
import type { Topology } from "./topology.js";
import { vmSlowdown } from "./vm-speed.js";

export interface CutReport {
  mode: CutMode;
  activeBefore: string;
  activeAfter: string;
  stallMs: number;
  lost: number;
  sent: number;
  tcpSurvived: boolean;
  backToPrimaryMs: number | null;
  changesAfterRestore: number;
  /** The active path's values after the restore, in order (with ms since the restore). */
  afterRestore: string[];
  /** Pings lost in the 10 s after the restore (a bundle that flaps loses traffic). */
  lostAfterRestore: number;
  /** When the far end is a bond too (the write-up's layout): its active path after the restore. */
  farAfterRestore?: string[];
  farChangesAfterRestore?: number;
  /** The kernel's bonding messages from the cut on, "+ms message" relative to the cut. */
  kernelLog: string[];
  /** For the plot: ms after the restore is [restoreMs]; each ping [ms since the cut, RTT ms or null if lost]. */
  restoreMs: number;
  pings: [number, number | null][];
  /** Active path changes, [ms since the cut, path]. */
  activeChanges: [number, string][];
  tcpOutput?: string;
  /** The longest run of 100 ms intervals in which iperf3's server received nothing (observe.ts). */
  tcpLongestGapMs?: number;
  /** The same two figures in the seconds before the cut: what the lab (an emulated VM) stalls without a cut. */
  before?: { stallMs: number; tcpLongestGapMs?: number };
  /** Ping replies per sequence number: 1, or on a redundant bundle N x N (each copy answered, each answer over every path). */
  copiesPerPing?: number;
}

export interface FailoverOptions {
  /** The far end is a bond too (the write-up's layout): watch it as well. */
  farBond?: boolean;
}

export async function failoverScenario(topology: Topology, bundle: Bundle, bondHost: string, options: FailoverOptions = {}): Promise<{ primary: string; slaves?: string; cuts: CutReport[] }> {
  const gw = topology.hosts.get(bondHost)!;
  const far = bundle.ends.find((e) => e.host !== bondHost)!;
  const exit = topology.hosts.get(far.host)!;
  const target = far.address!.ip.text;
  const bond = bundle.name;
  const primary = tunnelName(bundle.name, bundle.paths.find((p) => p.primary) ?? bundle.paths[0]!);
  const slow = vmSlowdown();
  const activeSlave = () => inNs(gw.ns, "cat", [`/sys/class/net/${bond}/bonding/active_slave`]).trim();
  await waitFor(`${bond} to pick an active path`, () => activeSlave() || undefined, 60000 * slow);
  // A bond over WireGuard picks a path before the link's first handshake is done (measured: the
  // first cut found no active path and iperf3 "No route to host"): wait for traffic to cross it, on
  // the primary where the layout has one.
  const ready = () => ((options.farBond || activeSlave() === primary) && answersPing(gw.ns, target) ? true : undefined);
  await waitFor(`${bond} to carry traffic${options.farBond ? "" : ` on ${primary}`}`, ready, 60000 * slow);
  // The bond's slave order: with no active path it probes its slaves one interval each in this order.
  const slaves = options.farBond ? undefined : inNs(gw.ns, "cat", [`/sys/class/net/${bond}/bonding/slaves`]).trim();
  const samples: Sample[] = [];
  const farSamples: Sample[] = [];
  const monitor = watchBond(gw.ns, bond);
  const farMonitor = options.farBond ? watchBond(exit.ns, bond) : undefined;
  await waitFor(`${far.host} to hold ${target}`, () => inNs(exit.ns, "ip", ["-o", "addr", "show", "to", target]).trim() || undefined, 60000);
  // Listening on every address: the client still reaches it through the bundle.
  const iperfServer = startInNs(exit.ns, "iperf3", ["-s", "-i", "0.1"], { stdio: "ignore" });
  // Under emulation the server takes a while to listen: a client before that is refused.
  await waitFor("iperf3 to listen", () => /:5201\s/.test(inNs(exit.ns, "ss", ["-ltn"])) || undefined, 60000);
  const cuts: CutReport[] = [];
  try {
    for (const mode of ["drop", "link-down"] as const) {
      const watchers = startWatchers(gw.ns, target);
      await sleep(3000);
      const active = current(monitor.lines, samples);
      // The active tunnel's path (tunnel names say nothing of the path's position).
      const path = cutPath(topology, bundle, Math.max(0, bundle.paths.findIndex((p) => tunnelName(bundle.name, p) === active)), bondHost);
      const cutAt = Date.now();
      const cutUptime = uptimeMs();
      cut(gw.ns, path, mode);
      await sleep(5000);
      const after = current(monitor.lines, samples);
      const restoreAt = Date.now();
      restore(gw.ns, path, mode);
      await sleep(10000);
      current(monitor.lines, samples);
      if (farMonitor) current(farMonitor.lines, farSamples);
      const code = await stopWatchers(watchers);
      const tcpOutput = watchers.tcpOutput();
      const all = replies(watchers.ping.lines);
      const window = all.filter((r) => r.t >= cutAt - 1000 && r.t <= cutAt + 5000);
      const stall = longestGap(window);
      const sent = sentIn(window);
      const lostAfterRestore = lostIn(all.filter((r) => r.t >= restoreAt));
      const back = samples.filter((s) => s.t >= restoreAt).find((s) => s.active === primary);
      const gwChanges = changesAfter(samples, restoreAt);
      const farChanges = farMonitor ? changesAfter(farSamples, restoreAt) : undefined;
      cuts.push({
        mode, activeBefore: active, activeAfter: after, stallMs: Math.round(stall), lost: lostIn(window), sent, tcpSurvived: code === 0,
        backToPrimaryMs: back ? Math.round(back.t - restoreAt) : null, changesAfterRestore: gwChanges.changes, afterRestore: gwChanges.list, lostAfterRestore,
        ...(farChanges ? { farAfterRestore: farChanges.list, farChangesAfterRestore: farChanges.changes } : {}),
        kernelLog: kernelLog(cutUptime, [bond]),
        restoreMs: restoreAt - cutAt,
        pings: timeline(all, cutAt),
        activeChanges: samples.filter((s, i) => s.t >= cutAt - 1000 && (i === 0 || samples[i - 1]!.active !== s.active)).map((s) => [Math.round(s.t - cutAt), s.active || "(none)"]),
        tcpLongestGapMs: iperfLongestGapMs(tcpOutput),
        ...(code === 0 ? {} : { tcpOutput: tcpOutput.split("\n").slice(-12).join("\n") }),
      });
    }
  } finally {
    monitor.child.kill();
    farMonitor?.child.kill();
    iperfServer.kill();
  }
  return { primary, ...(slaves ? { slaves } : {}), cuts };
}
