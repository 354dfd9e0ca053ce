// The throughput scenario: every path shaped to the same rate at the ISP, one
// TCP flow and 8 parallel flows across the bundle (iperf3), and the same over
// one path alone for the ratio.
import { contains } from "../net/address.js";
import { lookup } from "../inventory/lookup.js";
import type { Bundle, End, Inventory } from "../inventory/types.js";
import { waitFor } from "./networkd.js";
import { answersPing, inNs, ip, startInNs } from "./namespaces.js";
import type { Topology } from "./topology.js";

export const PATH_RATE = "5mbit";
const SECONDS = 8;

export interface Endpoints {
  near: string;
  far: string;
  /** The near end's address the far end routes back through the bundle (iperf3 -B), if any. */
  source?: string;
  target: string;
}

/**
 * Traffic that really crosses the bundle: to a far-end loopback the near end
 * routes through it (from a near-end loopback the far end routes back), else
 * between the two ends' bundle addresses.
 */
export function endpoints(inventory: Inventory, bundle: Bundle, nearHost: string): Endpoints {
  const near = bundle.ends.find((e) => e.host === nearHost)!;
  const far = bundle.ends.find((e) => e.host !== nearHost)!;
  const routedTo = (via: End, host: string) =>
    lookup(inventory).host(host)!.loopbacks.find((l) => l.address && via.routes.some((r) => r.cidr && r.cidr.ip.family === l.address!.ip.family && contains(r.cidr, l.address!.ip)))?.address?.ip.text;
  const target = routedTo(near, far.host) ?? far.address?.ip.text;
  if (!target) throw new Error(`bundle ${bundle.name}: nothing to send traffic to: give ${far.host} a loopback inside ${near.host}'s routes`);
  return { near: near.host, far: far.host, source: routedTo(far, near.host) ?? near.address?.ip.text, target };
}

/** Mbit/s received by the iperf3 server, from the client's JSON report. */
async function iperf(ns: string, target: string, source: string | undefined, flows: number): Promise<number> {
  const args = ["-c", target, ...(source ? ["-B", source] : []), "-t", String(SECONDS), "-O", "1", "-P", String(flows), "-J"];
  const child = startInNs(ns, "iperf3", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  let report: { end?: { sum_received?: { bits_per_second?: number } }; error?: string };
  try {
    report = JSON.parse(out) as typeof report;
  } catch {
    throw new Error(`iperf3 to ${target} (${flows} flows) exited ${code}: ${out.slice(-500)}`);
  }
  const bps = report.end?.sum_received?.bits_per_second;
  if (report.error || bps === undefined) throw new Error(`iperf3 to ${target} (${flows} flows): ${report.error ?? "no result"}`);
  return Math.round(bps / 10000) / 100;
}

export interface Measured {
  oneFlow: number;
  eightFlows: number;
  /** Tunnels that bonds on either end declared down during the runs (the ARP monitor under load). */
  linkFailures: number;
  /** The sending end's bond as its pacer left it (tc's words: root qdisc and class), when it has one. */
  pacer?: string;
}

/** `tc` on `dev`'s root qdisc and class, one line, or undefined when the device has no HTB root (not paced). */
function pacerOf(ns: string, dev: string): string | undefined {
  const text = inNs(ns, "sh", ["-c", `tc -d qdisc show dev "$1" root; tc class show dev "$1"`, "sh", dev]).replace(/\s+/g, " ").trim();
  return /qdisc htb 1: root/.test(text) ? text : undefined;
}

/** Sum of every bond member's "Link Failure Count" on the host. */
function linkFailures(ns: string): number {
  const text = inNs(ns, "sh", ["-c", "cat /proc/net/bonding/* 2>/dev/null || true"]);
  return [...text.matchAll(/^Link Failure Count: (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** How many next hops the most specific route `ns` has to `target` carries (0: no route, 1: a plain one). */
function nextHopsTo(ns: string, target: string): number {
  const v6 = target.includes(":");
  const routes = JSON.parse(ip("-n", ns, ...(v6 ? ["-6"] : []), "-j", "route", "show", "match", target) || "[]") as { dst: string; nexthops?: unknown[] }[];
  const bits = (dst: string) => (dst === "default" ? 0 : Number(dst.split("/")[1] ?? (v6 ? 128 : 32)));
  const best = routes.sort((a, b) => bits(b.dst) - bits(a.dst))[0];
  return best === undefined ? 0 : (best.nexthops?.length ?? 1);
}

export interface MeasureOptions {
  /** A balance-rr bond at the sending end: its pacer is read back. */
  bond?: string;
  /** An ecmp bundle's paths: its route must hold them all before flows are hashed onto it. */
  nextHops?: number;
}

/**
 * Waits for the bundle to carry traffic (an ecmp route to hold every path: networkd may
 * add a path's next hop after the first one answers), then measures 1 and 8 flows.
 */
export async function measureBundle(topology: Topology, e: Endpoints, options: MeasureOptions = {}): Promise<Measured> {
  const { bond, nextHops } = options;
  const near = topology.hosts.get(e.near)!;
  const far = topology.hosts.get(e.far)!;
  await waitFor(`${e.target} to answer across the bundle`, () => answersPing(near.ns, e.target, { source: e.source }) || undefined, 90000);
  if (nextHops !== undefined) await waitFor(`${e.near}'s route to ${e.target} to hold all ${nextHops} paths`, () => nextHopsTo(near.ns, e.target) >= nextHops || undefined, 90000);
  const failures = () => linkFailures(near.ns) + linkFailures(far.ns);
  const before = failures();
  return withServer(far.ns, async () => {
    const oneFlow = await iperf(near.ns, e.target, e.source, 1);
    const eightFlows = await iperf(near.ns, e.target, e.source, 8);
    return { oneFlow, eightFlows, linkFailures: failures() - before, ...(bond === undefined ? {} : { pacer: pacerOf(near.ns, bond) }) };
  });
}

/** One TCP flow over the first path alone, uplink to uplink: the unit of the ratios. */
export async function measureOnePath(inventory: Inventory, topology: Topology, bundle: Bundle, e: Endpoints): Promise<number> {
  const path = bundle.paths[0]!;
  const address = (host: string) => lookup(inventory).uplink(host, path.uplinks.get(host)!)?.address?.ip.text;
  // An exit behind 1:1 NAT is reached at its public address.
  const from = address(e.near);
  const to = lookup(inventory).uplink(e.far, path.uplinks.get(e.far)!)?.public?.text ?? address(e.far);
  if (!from || !to) throw new Error(`bundle ${bundle.name}: path 1 needs static uplink addresses on both ends to be measured alone`);
  return withServer(topology.hosts.get(e.far)!.ns, () => iperf(topology.hosts.get(e.near)!.ns, to, from, 1));
}

/** An iperf3 server in `ns` (with `options`, e.g. -i 0.1 for 100 ms intervals) while `run` runs. */
export async function withServer<T>(ns: string, run: () => Promise<T>, options: string[] = []): Promise<T> {
  const server = startInNs(ns, "iperf3", ["-s", ...options], { stdio: "ignore" });
  try {
    await waitFor("iperf3 to listen", () => /:5201\s/.test(inNs(ns, "ss", ["-ltn"])) || undefined, 60000);
    return await run();
  } finally {
    server.kill();
    await new Promise((resolve) => server.once("exit", resolve));
  }
}
