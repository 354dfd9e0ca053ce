// A balance-rr bond hands each packet to the next path in turn, so every path
// carries the same number of packets. When the queue that limits a path is the
// ISP's (or the uplink's own shaper), each path has its own queue, their depths
// drift apart (a drop on one, a burst on the other), and packets sent in order
// arrive out of order. A TCP receiver then reports them missing, and a sender
// whose smallest round trip is short tolerates little reordering (RACK allows a
// quarter of it): it retransmits segments that were never lost. In the lab
// (docs/lab.md, two 5 Mbit/s paths, one TCP flow) 7-8% of what the sender sent
// were such copies, and the bundle made 1.70-1.79x one path over WireGuard.
//
// So where every path's uplink on this end declares its egress rate, the bond
// itself is shaped a little below what the paths carry together: the one queue
// is then ahead of the round robin, the paths' queues stay empty, and packets
// arrive in the order they were sent: paced, the same lab run made 1.82x over
// WireGuard in four runs, 1.82-1.84x (1.73x in an unpaced control), docs/lab.md.
//
// The rate: every path gets 1/N of the packets, so an uplink that carries k of
// the N paths limits the bond to its egress x N / k, and the smallest such
// limit wins (the slowest path sets the pace: round robin cannot give a faster
// path more). Each packet is counted with the headers its tunnel adds (tc's size
// table), so the bond and the uplinks' shapers count the same bytes; WireGuard's
// padding (to 16 bytes, none on a full-size packet) is left out. PACE keeps the
// bond below the uplinks' shapers, which stay as the limit and would otherwise
// queue whatever the bond sends in a burst.
import type { HostBuilder } from "./builder.js";
import { formatRate, rateBits } from "../net/rate.js";
import { paceCommands } from "./tc.js";
import type { TunnelBundle } from "./tunnels.js";

export const PACE = 0.98;

export interface Pace {
  /** Bits a second, in the uplinks' terms (each packet with its tunnel headers). */
  rate: string;
  overhead: number;
  /** Why this rate: the uplink that limits it. */
  limitedBy: string;
}

/** The pace of `host`'s balance-rr bond, or undefined when an uplink of its paths declares no egress rate. */
export function roundRobinPace(tb: TunnelBundle, host: string): Pace | undefined {
  const ends = tb.tunnels.map((t) => (t.ends[0].host === host ? t.ends[0] : t.ends[1]));
  const paths = new Map<string, { egress: string | undefined; count: number }>();
  for (const e of ends) {
    const seen = paths.get(e.uplink.name);
    if (seen) seen.count++;
    else paths.set(e.uplink.name, { egress: e.uplink.shape?.egress, count: 1 });
  }
  let best: { bits: number; limitedBy: string } | undefined;
  for (const [uplink, { egress, count }] of paths) {
    if (egress === undefined) return undefined;
    const bits = (rateBits(egress) * ends.length) / count;
    const share = count === 1 ? `one path of ${ends.length}` : `${count} paths of ${ends.length}`;
    if (best === undefined || bits < best.bits) best = { bits, limitedBy: `${uplink} (egress ${egress}, ${share})` };
  }
  if (best === undefined) return undefined;
  const overhead = Math.max(...tb.tunnels.map((t) => t.overhead));
  return { rate: formatRate(Math.floor((best.bits * PACE) / 1000) * 1000), overhead, limitedBy: best.limitedBy };
}

export function planRoundRobinPace(b: HostBuilder, tb: TunnelBundle): void {
  const pace = roundRobinPace(tb, b.host);
  if (pace === undefined) return;
  const bond = tb.bundle.name;
  b.addShaper({
    device: bond,
    egress: pace.rate,
    notes: [
      `balance-rr sends every Nth packet by each path: paced below the paths' rates, the queue is here, ahead of the round robin, not on one path, and packets arrive in order.`,
      `${Math.round(PACE * 100)}% of what ${pace.limitedBy} lets the bond send.`,
    ],
    ...paceCommands(bond, pace.rate, pace.overhead),
  });
  b.module("sch_htb");
  b.module("sch_fq_codel");
}
