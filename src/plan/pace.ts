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
// So the bond itself is shaped a little below what the paths carry together:
// the one queue is then ahead of the round robin, the paths' queues stay empty,
// and packets arrive in the order they were sent. Paced, the same lab run made
// 1.82-1.84x over WireGuard in four runs (1.73x in an unpaced control), docs/lab.md.
//
// The rate: every path gets 1/N of the packets. What a path carries from this
// end is the smaller of the declared limits it crosses: this end's uplink's
// egress and the far end's uplink's ingress, each divided among the bundle's
// paths that share that uplink. The slowest path sets the pace (round robin
// cannot give a faster one more): N x its rate. A path with no declared limit
// at either end leaves nothing to pace by (validate warns). Each packet is
// counted with the headers its tunnel adds (tc's size table), so the bond and
// the uplinks' shapers count the same bytes; WireGuard's padding (to 16 bytes,
// none on a full-size packet) is left out. PACE keeps the bond below the
// uplinks' shapers, which stay as the limit and would otherwise queue whatever
// the bond sends in a burst. Not known here: other traffic on the same uplinks,
// and other balance-rr bundles sharing them (each is paced as if alone).
import type { HostBuilder } from "./builder.js";
import { formatRate, MAX_RATE_BITS, MIN_RATE_BITS, rateBits } from "../net/rate.js";
import { paceCommands } from "./tc.js";
import type { Tunnel, TunnelBundle, TunnelEnd } from "./tunnels.js";

export const PACE = 0.98;

export interface Pace {
  /** Bits a second, in the uplinks' terms (each packet with its tunnel headers). */
  rate: string;
  overhead: number;
  /** Why this rate: the uplink that limits it. */
  limitedBy: string;
}

/** A path's declared limits from `host` to the far end: this end's egress and the far end's ingress, each per path sharing the uplink. */
function pathLimits(tb: TunnelBundle, host: string): { bits: number; why: string }[][] {
  const mine = (t: Tunnel) => (t.ends[0].host === host ? t.ends[0] : t.ends[1]);
  const theirs = (t: Tunnel) => (t.ends[0].host === host ? t.ends[1] : t.ends[0]);
  const sharing = (end: (t: Tunnel) => TunnelEnd, uplink: string) => tb.tunnels.filter((t) => end(t).uplink.name === uplink).length;
  return tb.tunnels.map((t) => {
    const limits: { bits: number; why: string }[] = [];
    const out = mine(t).uplink;
    const into = theirs(t).uplink;
    const share = (k: number) => (k === 1 ? "" : `, shared by ${k} paths`);
    if (out.shape?.egress !== undefined) {
      const k = sharing(mine, out.name);
      limits.push({ bits: rateBits(out.shape.egress) / k, why: `${host}'s ${out.name} egress ${out.shape.egress}${share(k)}` });
    }
    if (into.shape?.ingress !== undefined) {
      const k = sharing(theirs, into.name);
      limits.push({ bits: rateBits(into.shape.ingress) / k, why: `${into.host}'s ${into.name} ingress ${into.shape.ingress}${share(k)}` });
    }
    return limits;
  });
}

/** The pace of `host`'s balance-rr bond, or undefined when a path has no declared limit (or the pace is beyond what HTB sends at). */
export function roundRobinPace(tb: TunnelBundle, host: string): Pace | undefined {
  const paths = pathLimits(tb, host);
  let slowest: { bits: number; why: string } | undefined;
  for (const limits of paths) {
    if (limits.length === 0) return undefined;
    for (const l of limits) if (slowest === undefined || l.bits < slowest.bits) slowest = l;
  }
  if (slowest === undefined) return undefined;
  const bits = Math.floor(slowest.bits * paths.length * PACE);
  // Whole kbit where that loses nothing worth having; never below what tc takes.
  const rounded = bits >= 1e6 ? Math.floor(bits / 1000) * 1000 : Math.max(bits, MIN_RATE_BITS);
  if (rounded > MAX_RATE_BITS) return undefined;
  const overhead = Math.max(...tb.tunnels.map((t) => t.overhead));
  return { rate: formatRate(rounded), overhead, limitedBy: slowest.why };
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
      `${Math.round(PACE * 100)}% of what the slowest path carries, times the paths: ${pace.limitedBy}.`,
    ],
    ...paceCommands(bond, pace.rate, pace.overhead),
  });
  b.module("sch_htb");
  b.module("sch_fq_codel");
}
