// The failover scenario on a redundant bundle (broadcast bonds on both ends):
// there is no active path to cut, so path 1 is cut, by drop at its ISP and by
// link down on the gateway, while pings every 20 ms and a 2 Mbit/s TCP stream
// cross the bundle, on unshaped paths as in failover.ts. The goal is that
// nothing is lost: every packet also went over the other paths. The stall and
// the TCP gap are also taken in the seconds before the cut: what the emulated
// VM stalls on its own. Then, with every path shaped as in the throughput
// scenario, what the copies cost: one TCP flow at full speed, the bytes sent on
// every uplink of the gateway against the bytes delivered, and its rate
// against one path alone.
import type { Bundle, Inventory } from "../inventory/types.js";
import { cut, cutPath, longestGap, lostIn, replies, restore, sentIn, startWatchers, stopWatchers } from "./cut.js";
import type { CutReport } from "./failover.js";
import { sleep, waitFor } from "./networkd.js";
import { iperfLongestGapMs, kernelLog, timeline, uptimeMs } from "./observe.js";
import { answersPing, inNs } from "./namespaces.js";
import { endpoints, measureOnePath, PATH_RATE, withServer } from "./throughput.js";
import { shapeWire, type Topology } from "./topology.js";
import { vmSlowdown } from "./vm-speed.js";

/** What the copies cost, from one TCP flow at full speed. */
export interface RedundantCost {
  paths: number;
  /** Bytes the gateway sent on all of the paths' uplinks (outer headers included). */
  uplinkBytes: number;
  /** Bytes the far end's iperf3 received. */
  deliveredBytes: number;
  /** One flow's throughput over the bundle, Mbit/s. */
  oneFlow: number;
  /** One flow over path 1 alone, uplink to uplink, Mbit/s: the unit. */
  onePath?: number;
}

export interface RedundantResult {
  cuts: CutReport[];
  cost: RedundantCost;
}

const bytesSent = (ns: string, uplinks: string[]) => uplinks.reduce((sum, u) => sum + Number(inNs(ns, "cat", [`/sys/class/net/${u}/statistics/tx_bytes`]).trim()), 0);

export async function redundantScenario(topology: Topology, inventory: Inventory, bundle: Bundle, gwHost: string): Promise<RedundantResult> {
  const gw = topology.hosts.get(gwHost)!;
  const far = bundle.ends.find((e) => e.host !== gwHost)!;
  const exit = topology.hosts.get(far.host)!;
  const target = far.address!.ip.text;
  const slow = vmSlowdown();
  const uplinks = bundle.paths.map((p) => p.uplinks.get(gwHost)!);
  await waitFor(`${bundle.name} to carry traffic`, () => answersPing(gw.ns, target) || undefined, 60000 * slow);
  const all = "every path";
  // Intervals of 100 ms on the server, reported back to the client: the stream's gaps.
  const cuts = await withServer(exit.ns, async () => {
    const reports: CutReport[] = [];
    for (const mode of ["drop", "link-down"] as const) {
      const watchers = startWatchers(gw.ns, target);
      await sleep(3000);
      const path = cutPath(topology, bundle, 0, gwHost);
      const cutAt = Date.now();
      const cutUptime = uptimeMs();
      cut(gw.ns, path, mode);
      await sleep(5000);
      const restoreAt = Date.now();
      restore(gw.ns, path, mode);
      await sleep(10000);
      const code = await stopWatchers(watchers);
      const tcpOutput = watchers.tcpOutput();
      const copies = replies(watchers.ping.lines);
      // Every copy of a reply is a line: the first one per sequence number is the ping's answer.
      const seen = new Set<number>();
      const firsts = copies.filter((r) => !seen.has(r.seq) && seen.add(r.seq));
      const window = firsts.filter((r) => r.t >= cutAt - 1000 && r.t <= cutAt + 5000);
      // iperf3's clock starts when it connects, a little after the stream started: the interval around the cut goes with the cut.
      const cutSec = (cutAt - watchers.tcpStart) / 1000 - 0.2;
      reports.push({
        mode, activeBefore: all, activeAfter: all, stallMs: Math.round(longestGap(window)), lost: lostIn(window), sent: sentIn(window), tcpSurvived: code === 0,
        backToPrimaryMs: null, changesAfterRestore: 0, afterRestore: [], lostAfterRestore: lostIn(firsts.filter((r) => r.t >= restoreAt)),
        kernelLog: kernelLog(cutUptime, [bundle.name]),
        restoreMs: restoreAt - cutAt,
        pings: timeline(firsts, cutAt),
        activeChanges: [],
        tcpLongestGapMs: iperfLongestGapMs(tcpOutput, { fromSec: cutSec }),
        before: { stallMs: Math.round(longestGap(firsts.filter((r) => r.t >= cutAt - 2500 && r.t < cutAt))), tcpLongestGapMs: iperfLongestGapMs(tcpOutput, { fromSec: 0.5, toSec: cutSec }) },
        copiesPerPing: firsts.length ? Math.round((copies.length / firsts.length) * 100) / 100 : 0,
        ...(code === 0 ? {} : { tcpOutput: tcpOutput.split("\n").slice(-12).join("\n") }),
      });
    }
    return reports;
  }, ["-i", "0.1"]);
  for (const wire of topology.wires) for (const port of wire.ports) shapeWire(wire.ns, port, PATH_RATE);
  return { cuts, cost: await cost(topology, inventory, bundle, gwHost, uplinks) };
}

/** One TCP flow at full speed (8 s): bytes on the uplinks against bytes delivered, and its rate. */
async function cost(topology: Topology, inventory: Inventory, bundle: Bundle, gwHost: string, uplinks: string[]): Promise<RedundantCost> {
  const ends = endpoints(inventory, bundle, gwHost);
  const gw = topology.hosts.get(gwHost)!;
  const far = topology.hosts.get(ends.far)!;
  const measured = await withServer(far.ns, async () => {
    const before = bytesSent(gw.ns, uplinks);
    const out = inNs(gw.ns, "iperf3", ["-c", ends.target, ...(ends.source ? ["-B", ends.source] : []), "-t", "8", "-J"]);
    const uplinkBytes = bytesSent(gw.ns, uplinks) - before;
    const report = JSON.parse(out) as { end?: { sum_received?: { bytes?: number; bits_per_second?: number } }; error?: string };
    const received = report.end?.sum_received;
    if (report.error || received?.bytes === undefined || received.bits_per_second === undefined) throw new Error(`iperf3 across ${bundle.name}: ${report.error ?? "no result"}`);
    return { uplinkBytes, deliveredBytes: received.bytes, oneFlow: Math.round(received.bits_per_second / 10000) / 100 };
  });
  let onePath: number | undefined;
  try {
    onePath = await measureOnePath(inventory, topology, bundle, ends);
  } catch {
    onePath = undefined; // a path without static addresses cannot be measured alone; the ratio is then left out
  }
  return { paths: bundle.paths.length, ...measured, ...(onePath === undefined ? {} : { onePath }) };
}
