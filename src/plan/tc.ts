// The tc and ip command lines of netgen's units: shaping an uplink, and
// attaching a teql device's members. Planner code: a reviewer reads here why
// each command is there; render/exec-line.ts only quotes them.
import { InternalError } from "../errors.js";
import type { Command } from "./model.js";

export const TC = "/sbin/tc";
const IP = "/sbin/ip";

const run = (...argv: string[]): Command => ({ argv, mayFail: false });
const tryRun = (...argv: string[]): Command => ({ argv, mayFail: true });

/**
 * The shaped class's queue: fq_codel, not the default FIFO of txqueuelen
 * packets (1000 packets at 5 Mbit/s is 2.4 s of delay). Each flow gets its own
 * queue, so a bond's ARP probes inside a tunnel (the flow dissector looks into
 * gretap) do not wait behind bulk data and miss the monitor's deadline.
 * Every distribution kernel has it; a kernel without it keeps the FIFO (may fail).
 */
const leaf = (dev: string) => tryRun(TC, "qdisc", "replace", "dev", dev, "parent", "1:1", "handle", "10:", "fq_codel");

/** An HTB root with one class at `rate`, fq_codel below it. */
const htb = (dev: string, rate: string) => [
  run(TC, "qdisc", "replace", "dev", dev, "root", "handle", "1:", "htb", "default", "1"),
  run(TC, "class", "replace", "dev", dev, "parent", "1:", "classid", "1:1", "htb", "rate", rate, "ceil", rate),
  leaf(dev),
];

/**
 * A balance-rr bond paced at `rate` (pace.ts): an HTB root whose size table
 * adds `overhead` bytes to each packet, so the bond counts a frame as the
 * uplinks' shapers will count it once tunnelled, fq_codel below it.
 */
export function paceCommands(bond: string, rate: string, overhead: number): ShapeCommands {
  return {
    description: `netgen: pace balance-rr bond ${bond} at ${rate} (each packet counted with its ${overhead} bytes of tunnel headers)`,
    start: [
      run(TC, "qdisc", "replace", "dev", bond, "root", "handle", "1:", "stab", "overhead", String(overhead), "htb", "default", "1"),
      run(TC, "class", "replace", "dev", bond, "parent", "1:", "classid", "1:1", "htb", "rate", rate, "ceil", rate),
      leaf(bond),
    ],
    stop: [tryRun(TC, "qdisc", "del", "dev", bond, "root")],
  };
}

export interface ShapeCommands {
  description: string;
  start: Command[];
  stop: Command[];
}

/** Egress: HTB root on the uplink. Ingress: the uplink's ingress redirected to an ifb, HTB root there. */
export function shapeCommands(dev: string, egress: string | undefined, ingress: { rate: string; ifb: string } | undefined): ShapeCommands {
  const start: Command[] = [];
  const stop: Command[] = [];
  const limits: string[] = [];
  if (egress) {
    limits.push(`egress ${egress}`);
    start.push(...htb(dev, egress));
    stop.push(tryRun(TC, "qdisc", "del", "dev", dev, "root"));
  }
  if (ingress) {
    const { ifb, rate } = ingress;
    limits.push(`ingress ${rate} through ${ifb}`);
    start.push(
      // The ingress qdisc cannot be replaced once it exists: add it, tolerating
      // "exists"; the filter below fails if it is really missing.
      tryRun(TC, "qdisc", "add", "dev", dev, "handle", "ffff:", "ingress"),
      run(TC, "filter", "replace", "dev", dev, "parent", "ffff:", "protocol", "all", "prio", "1", "handle", "800::800",
        "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb),
      ...htb(ifb, rate),
    );
    stop.push(tryRun(TC, "qdisc", "del", "dev", dev, "ingress"), tryRun(TC, "qdisc", "del", "dev", ifb, "root"));
  }
  if (start.length === 0) throw new InternalError(`shaper for ${dev} shapes nothing`);
  return { description: `netgen: shape ${dev} (${limits.join(", ")})`, start, stop };
}

/**
 * One segment per packet on `bond` (gso_max_segs 1): the stack segments a GSO
 * packet before the bond picks a slave for it. Set on the members too: kernels
 * before 6.0 recompute the bond's limit from its members' whenever one is
 * enslaved (6.0 and later only lower it to the members' tso_max_segs). A kernel
 * that cannot change it on a live device refuses (may fail; measured on 6.1
 * only): the bond then keeps sending bursts.
 */
export function oneSegmentPerPacket(bond: string, members: string[]): Command[] {
  return [...members, bond].map((d) => tryRun(IP, "link", "set", "dev", d, "gso_max_segs", "1"));
}

/**
 * The ARP monitor's missed intervals on a live bond (the kernel's arp_missed_max,
 * since 5.18; it takes a new value while the bond is up). Start must succeed: a
 * kernel without it fails the unit (`netgen status` shows it) rather than hide
 * that the bond monitors more slowly than the inventory says. Stop puts the
 * kernel's default back (may fail: the bond may be gone): a push that drops
 * monitor.missed stops the unit, and the bond itself is not recreated.
 */
export function arpMissedMax(bond: string, missed: number, kernelDefault: number): { start: Command[]; stop: Command[] } {
  const set = (n: number) => [IP, "link", "set", "dev", bond, "type", "bond", "arp_missed_max", String(n)];
  return { start: [run(...set(missed))], stop: [tryRun(...set(kernelDefault))] };
}

/** Members that are missing are skipped (may fail): the device comes up with the ones there are. */
export function equalizerStart(device: string, members: string[]): Command[] {
  return [...members.map((m) => tryRun(TC, "qdisc", "replace", "dev", m, "root", device)), run(IP, "link", "set", "dev", device, "up")];
}
