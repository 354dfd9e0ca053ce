// The exit's forward policy, checked in the lab on the hosts as rendered
// (issue 14): for each masquerading uplink wired outside (outside.ts), the
// bundle's other end reaches the outside, masqueraded (the outside has no
// route back to the bundle), while the outside, routing the bundle's network
// through the exit, does not get in, and the exit's drop counter says so.
// The control deletes the forward chain: the same ping then arrives, so the
// check sees a reach when there is one. The rendered table is loaded again after.
import { join } from "node:path";
import type { Bundle } from "../inventory/types.js";
import { networkText } from "../net/address.js";
import { answersPing, inNs, ip } from "./namespaces.js";
import { waitFor } from "./networkd.js";
import { exitAddress, type Outside } from "./outside.js";
import type { Topology } from "./topology.js";
import { vmSlowdown } from "./vm-speed.js";

export interface ExitPolicyRun {
  exit: string;
  uplink: string;
  /** The bundle's other end reached the outside (only a masqueraded packet gets a reply). */
  outward: boolean;
  /** The outside's ping into the bundle got no reply. */
  inwardRefused: boolean;
  /** Packets the forward chain's closing `counter drop` counted meanwhile. */
  dropped: number;
  /** Control: without the forward chain, the same ping arrived. */
  controlReached: boolean;
  /** Why nothing was checked (the exit's uplink never got its address, e.g. no DHCP server in the lab). */
  error?: string;
}

/** The packets a chain's closing `counter drop` has dropped, from `nft list chain`'s text. */
export function dropCount(chain: string): number {
  const m = /counter packets (\d+) bytes \d+ drop/.exec(chain);
  if (!m) throw new Error(`no drop counter in:\n${chain}`);
  return Number(m[1]);
}

const dropCounter = (ns: string) => dropCount(inNs(ns, "nft", ["list", "chain", "inet", "netgen", "forward"]));

export async function exitPolicyScenario(topology: Topology, bundle: Bundle): Promise<ExitPolicyRun[]> {
  const slow = vmSlowdown();
  const wait = Math.ceil(2 * slow);
  const runs: ExitPolicyRun[] = [];
  for (const outside of topology.outside) {
    const inside = bundle.ends.find((e) => e.host !== outside.host)?.address;
    // The outside segment is IPv4 (outside.ts); an IPv6 bundle address has nothing to ping it from.
    if (inside?.ip.family === 4) runs.push(await checkOne(topology, bundle, outside, slow, wait));
  }
  return runs;
}

async function checkOne(topology: Topology, bundle: Bundle, outside: Outside, slow: number, wait: number): Promise<ExitPolicyRun> {
  const exit = topology.hosts.get(outside.host)!;
  const inside = bundle.ends.find((e) => e.host !== outside.host)!;
  const insideNs = topology.hosts.get(inside.host)!.ns;
  const target = inside.address!.ip.text;
  let exitOnSegment: string;
  try {
    exitOnSegment = await waitFor(`${outside.host}:${outside.uplink} to be configured`, () => exitAddress(exit.ns, outside), 60000 * slow);
  } catch (error) {
    // A goal missed, not a failed failover run: the cuts before it were measured.
    return { exit: outside.host, uplink: outside.uplink, outward: false, inwardRefused: false, dropped: 0, controlReached: false, error: (error as Error).message };
  }
  // Out: through the bundle (the inside end's default route) and out of the masquerading uplink.
  let outward = true;
  try {
    await waitFor(`${inside.host} to reach ${outside.address} through ${bundle.name}`, () => answersPing(insideNs, outside.address, { waitSeconds: wait }) || undefined, 30000 * slow);
  } catch {
    outward = false;
  }
  // In: the outside routes the bundle's network through the exit.
  ip("-n", outside.ns, "route", "add", networkText(inside.address!), "via", exitOnSegment);
  const before = dropCounter(exit.ns);
  const inwardRefused = !answersPing(outside.ns, target, { waitSeconds: wait });
  const dropped = dropCounter(exit.ns) - before;
  inNs(exit.ns, "nft", ["flush", "chain", "inet", "netgen", "forward"]);
  inNs(exit.ns, "nft", ["delete", "chain", "inet", "netgen", "forward"]);
  const controlReached = answersPing(outside.ns, target, { waitSeconds: wait });
  // The rendered table again, whole (the file replaces it in one transaction).
  inNs(exit.ns, "nft", ["-f", join(exit.dir!, "etc/netgen/firewall.nft")]);
  return { exit: outside.host, uplink: outside.uplink, outward, inwardRefused, dropped, controlReached };
}
