// One cut of a path, as the failover scenarios make it (failover.ts on a
// failover bond, redundant.ts on broadcast bonds): pings every 20 ms and a
// 2 Mbit/s TCP stream across the bundle, the path cut by a drop at its ISP
// (carrier up) or by its uplink taken down, restored, and what the pings say.
import type { ChildProcess } from "node:child_process";
import type { Bundle } from "../inventory/types.js";
import { sleep } from "./networkd.js";
import { STREAM, watch } from "./observe.js";
import { inNs, startInNs } from "./namespaces.js";
import type { Topology } from "./topology.js";

export type CutMode = "drop" | "link-down";

/** One ping reply: when it came (ms since the epoch), its sequence number, its RTT. */
export interface Reply {
  t: number;
  seq: number;
  rtt: number;
}

/** The pings and the TCP stream watching a cut. */
export interface Watchers {
  ping: { child: ChildProcess; lines: string[] };
  /** When the stream was started: iperf3 counts its intervals from a little later. */
  tcpStart: number;
  tcpOutput(): string;
  tcpDone: Promise<number>;
}

/** Pings every 20 ms and the TCP stream, from `ns` to `target`. */
export function startWatchers(ns: string, target: string): Watchers {
  const ping = watch(ns, `ping -D -n -i 0.02 -W 1 ${target}`);
  const tcpStart = Date.now();
  const tcp = startInNs(ns, "iperf3", ["-c", target, ...STREAM, "--get-server-output"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  tcp.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  tcp.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const tcpDone = new Promise<number>((resolve) => tcp.on("exit", (code) => resolve(code ?? -1)));
  return { ping, tcpStart, tcpOutput: () => output, tcpDone };
}

/** Stop the pings; wait for the stream's end. Its exit code: 0 when the stream survived. */
export async function stopWatchers(w: Watchers): Promise<number> {
  w.ping.child.kill("SIGINT");
  await sleep(300);
  return w.tcpDone;
}

/** A path of `bundle`, as the lab wired it: its wire, and its uplink on `host` (the gateway's side). */
export interface CutPath {
  wire: Topology["wires"][number];
  uplink: string;
  /**
   * The order a drop is lifted in: the gateway's way out first, the wire's port facing the
   * gateway last. Lifted the other way round, for as long as one tc command takes under
   * emulation, the tunnel hears the far end and a bond takes it back while its own probes
   * still drop (docs/lab.md). A path wire's ports follow bundle.ends; an ISP's (cust, wan)
   * keep their order: which of them faces the gateway depends on who dials.
   */
  liftOrder: string[];
}

export function cutPath(topology: Topology, bundle: Bundle, index: number, host: string): CutPath {
  const wire = topology.wires[index]!;
  const facing = wire.ports.includes("cust") ? undefined : wire.ports[bundle.ends.findIndex((e) => e.host === host)];
  const liftOrder = facing ? [...wire.ports.filter((p) => p !== facing), facing] : wire.ports;
  return { wire, uplink: bundle.paths[index]!.uplinks.get(host)!, liftOrder };
}

export function cut(gwNs: string, path: CutPath, mode: CutMode): void {
  if (mode === "drop") for (const port of path.wire.ports) inNs(path.wire.ns, "tc", ["qdisc", "add", "dev", port, "root", "netem", "loss", "100%"]);
  else inNs(gwNs, "ip", ["link", "set", path.uplink, "down"]);
}

export function restore(gwNs: string, path: CutPath, mode: CutMode): void {
  if (mode === "drop") for (const port of path.liftOrder) inNs(path.wire.ns, "tc", ["qdisc", "del", "dev", port, "root"]);
  else inNs(gwNs, "ip", ["link", "set", path.uplink, "up"]);
}

/** The replies in `ping -D` output, in order (a redundant bundle answers each sequence number several times). */
export function replies(lines: string[]): Reply[] {
  return lines
    .map((l) => /^\[(\d+\.\d+)\].*icmp_seq=(\d+).*time=([\d.]+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ t: Number(m[1]) * 1000, seq: Number(m[2]), rtt: Number(m[3]) }));
}

/** The longest time between two replies in a row (ms): the stall. */
export function longestGap(list: Reply[]): number {
  return list.slice(1).reduce((gap, r, i) => Math.max(gap, r.t - list[i]!.t), 0);
}

/** Sequence numbers sent in the span of `list` (first to last reply). */
export function sentIn(list: Reply[]): number {
  return list.length ? Math.max(...list.map((r) => r.seq)) - Math.min(...list.map((r) => r.seq)) + 1 : 0;
}

/** Of those, how many got no reply (`list` holds one reply per sequence number). */
export function lostIn(list: Reply[]): number {
  return sentIn(list) - list.length;
}
