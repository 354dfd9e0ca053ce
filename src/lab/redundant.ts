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
import { sleep, waitFor } from "./networkd.js";
import { iperfLongestGapMs, kernelLog, STREAM, timeline, uptimeMs, watch } from "./observe.js";
import { inNs, startInNs } from "./namespaces.js";
import type { CutReport } from "./failover.js";
import { endpoints, measureOnePath, PATH_RATE } from "./throughput.js";
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
  await waitFor(`${bundle.name} to carry traffic`, () => inNs(gw.ns, "ping", ["-c", "1", "-W", "1", target]) || undefined, 60000 * slow);
  // Intervals of 100 ms on the server, reported back to the client: the stream's gaps.
  const server = startInNs(exit.ns, "iperf3", ["-s", "-i", "0.1"], { stdio: "ignore" });
  await waitFor("iperf3 to listen", () => /:5201\s/.test(inNs(exit.ns, "ss", ["-ltn"])) || undefined, 60000);
  const cuts: CutReport[] = [];
  const all = "every path";
  try {
    for (const mode of ["drop", "link-down"] as const) {
      const ping = watch(gw.ns, `ping -D -n -i 0.02 -W 1 ${target}`);
      const tcpStart = Date.now();
      const tcp = startInNs(gw.ns, "iperf3", ["-c", target, ...STREAM, "--get-server-output"], { stdio: ["ignore", "pipe", "pipe"] });
      let tcpOutput = "";
      tcp.stdout!.on("data", (d: Buffer) => (tcpOutput += d.toString()));
      tcp.stderr!.on("data", (d: Buffer) => (tcpOutput += d.toString()));
      const tcpDone = new Promise<number>((resolve) => tcp.on("exit", (code) => resolve(code ?? -1)));
      await sleep(3000);
      const wire = topology.wires[0]!;
      const cutAt = Date.now();
      const cutUptime = uptimeMs();
      if (mode === "drop") for (const port of wire.ports) inNs(wire.ns, "tc", ["qdisc", "add", "dev", port, "root", "netem", "loss", "100%"]);
      else inNs(gw.ns, "ip", ["link", "set", uplinks[0]!, "down"]);
      await sleep(5000);
      const restoreAt = Date.now();
      if (mode === "drop") for (const port of wire.ports) inNs(wire.ns, "tc", ["qdisc", "del", "dev", port, "root"]);
      else inNs(gw.ns, "ip", ["link", "set", uplinks[0]!, "up"]);
      await sleep(10000);
      ping.child.kill("SIGINT");
      await sleep(300);
      const code = await tcpDone;
      const replies = ping.lines.map((l) => /^\[(\d+\.\d+)\].*icmp_seq=(\d+).*time=([\d.]+)/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ t: Number(m[1]) * 1000, seq: Number(m[2]), rtt: Number(m[3]) }));
      // Every copy of a reply is a line: the first one per sequence number is the ping's answer.
      const firsts = replies.filter((r, i) => replies.findIndex((x) => x.seq === r.seq) === i);
      const window = firsts.filter((r) => r.t >= cutAt - 1000 && r.t <= cutAt + 5000);
      const longestGap = (list: typeof firsts) => list.slice(1).reduce((g, r, i) => Math.max(g, r.t - list[i]!.t), 0);
      const stall = longestGap(window);
      // iperf3's clock starts when it connects, a little after tcpStart: the interval around the cut goes with the cut.
      const cutSec = (cutAt - tcpStart) / 1000 - 0.2;
      const lostIn = (list: typeof firsts) => (list.length ? Math.max(...list.map((r) => r.seq)) - Math.min(...list.map((r) => r.seq)) + 1 - list.length : 0);
      const sent = window.length ? Math.max(...window.map((r) => r.seq)) - Math.min(...window.map((r) => r.seq)) + 1 : 0;
      cuts.push({
        mode, activeBefore: all, activeAfter: all, stallMs: Math.round(stall), lost: lostIn(window), sent, tcpSurvived: code === 0,
        backToPrimaryMs: null, changesAfterRestore: 0, afterRestore: [], lostAfterRestore: lostIn(firsts.filter((r) => r.t >= restoreAt)),
        kernelLog: kernelLog(cutUptime, [bundle.name]),
        restoreMs: restoreAt - cutAt,
        pings: timeline(firsts, cutAt),
        activeChanges: [],
        tcpLongestGapMs: iperfLongestGapMs(tcpOutput, { fromSec: cutSec }),
        before: { stallMs: Math.round(longestGap(firsts.filter((r) => r.t >= cutAt - 2500 && r.t < cutAt))), tcpLongestGapMs: iperfLongestGapMs(tcpOutput, { fromSec: 0.5, toSec: cutSec }) },
        copiesPerPing: firsts.length ? Math.round((replies.length / firsts.length) * 100) / 100 : 0,
        ...(code === 0 ? {} : { tcpOutput: tcpOutput.split("\n").slice(-12).join("\n") }),
      });
    }
  } finally {
    server.kill();
    await new Promise((resolve) => server.once("exit", resolve));
  }
  for (const wire of topology.wires) for (const port of wire.ports) shapeWire(wire.ns, port, PATH_RATE);
  return { cuts, cost: await cost(topology, inventory, bundle, gwHost, uplinks) };
}

/** One TCP flow at full speed (8 s): bytes on the uplinks against bytes delivered, and its rate. */
async function cost(topology: Topology, inventory: Inventory, bundle: Bundle, gwHost: string, uplinks: string[]): Promise<RedundantCost> {
  const ends = endpoints(inventory, bundle, gwHost);
  const gw = topology.hosts.get(gwHost)!;
  const far = topology.hosts.get(ends.far)!;
  const server = startInNs(far.ns, "iperf3", ["-s"], { stdio: "ignore" });
  let measured: { uplinkBytes: number; deliveredBytes: number; oneFlow: number };
  try {
    await waitFor("iperf3 to listen", () => /:5201\s/.test(inNs(far.ns, "ss", ["-ltn"])) || undefined, 60000);
    const before = bytesSent(gw.ns, uplinks);
    const out = inNs(gw.ns, "iperf3", ["-c", ends.target, ...(ends.source ? ["-B", ends.source] : []), "-t", "8", "-J"]);
    const uplinkBytes = bytesSent(gw.ns, uplinks) - before;
    const report = JSON.parse(out) as { end?: { sum_received?: { bytes?: number; bits_per_second?: number } }; error?: string };
    const received = report.end?.sum_received;
    if (report.error || received?.bytes === undefined || received.bits_per_second === undefined) throw new Error(`iperf3 across ${bundle.name}: ${report.error ?? "no result"}`);
    measured = { uplinkBytes, deliveredBytes: received.bytes, oneFlow: Math.round(received.bits_per_second / 10000) / 100 };
  } finally {
    server.kill();
    await new Promise((resolve) => server.once("exit", resolve));
  }
  let onePath: number | undefined;
  try {
    onePath = await measureOnePath(inventory, topology, bundle, ends);
  } catch {
    onePath = undefined; // a path without static addresses cannot be measured alone; the ratio is then left out
  }
  return { paths: bundle.paths.length, ...measured, ...(onePath === undefined ? {} : { onePath }) };
}
