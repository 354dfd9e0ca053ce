// The failover scenario: pings every 20 ms and a TCP stream across the
// bundle; the active path is cut twice (its packets dropped upstream with the
// carrier up, then its link taken down), restored each time, and the bond's
// active path is watched throughout.
import { type ChildProcess, spawn } from "node:child_process";
import type { Bundle } from "../inventory/types.js";
import { sleep, waitFor } from "./networkd.js";
import { inNs, sh, type Topology } from "./topology.js";

export interface CutReport {
  mode: "drop" | "link-down";
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
}

interface Sample {
  t: number;
  active: string;
}

function watch(ns: string, command: string, shell = "sh"): { child: ChildProcess; lines: string[] } {
  const child = spawn("ip", ["netns", "exec", ns, shell, "-c", command], { stdio: ["ignore", "pipe", "ignore"] });
  const lines: string[] = [];
  let rest = "";
  child.stdout!.on("data", (d: Buffer) => {
    const text = rest + d.toString();
    const parts = text.split("\n");
    rest = parts.pop() ?? "";
    lines.push(...parts);
  });
  return { child, lines };
}

/**
 * Samples of a bond's active path every 20 ms, from inside its host's
 * namespace, with bash builtins only: a fork per sample (date, cat, sleep) is
 * dear under emulation and delays the very ARP timers being measured.
 * Stamps are microseconds (EPOCHREALTIME); the wait is a read on an idle FIFO.
 */
function watchBond(ns: string, bond: string) {
  const script = [
    'f=$(mktemp -u); mkfifo "$f"; exec 9<>"$f"; rm -f "$f"',
    `while :; do a=; read -r a < /sys/class/net/${bond}/bonding/active_slave; printf '%s %s\\n' "\${EPOCHREALTIME/./}" "$a"; read -r -t 0.02 -u 9 _; done`,
  ].join("\n");
  return watch(ns, script, "bash");
}

/** The path changes after `from`, as "path@ms" (the first entry is the state at `from`). */
function changesAfter(samples: Sample[], from: number): { list: string[]; changes: number } {
  const later = samples.filter((s) => s.t >= from);
  const list = later.length ? [`${later[0]!.active || "(none)"}@0`] : [];
  let changes = 0;
  for (let i = 1; i < later.length; i++) {
    if (later[i]!.active === later[i - 1]!.active) continue;
    changes++;
    list.push(`${later[i]!.active || "(none)"}@${Math.round(later[i]!.t - from)}`);
  }
  return { list, changes };
}

const uptimeMs = () => Number(sh("cut", ["-d", " ", "-f1", "/proc/uptime"]).trim()) * 1000;

/** The kernel's bonding lines from a second before `sinceUptimeMs` on, stamped relative to it. */
function kernelLog(sinceUptimeMs: number, bonds: string[]): string[] {
  let text = "";
  try {
    text = sh("dmesg", []);
  } catch {
    return [];
  }
  return text.split("\n").flatMap((line) => {
    const m = /^\[\s*(\d+\.\d+)\]\s*(.*)$/.exec(line);
    if (!m || !bonds.some((b) => m[2]!.includes(`${b}:`))) return [];
    // The kernel's printk clock and /proc/uptime drift apart under emulation by up
    // to a few hundred ms: the order and the gaps between lines are what to read.
    const at = Number(m[1]) * 1000 - sinceUptimeMs;
    return at >= -1000 ? [`${at < 0 ? "" : "+"}${Math.round(at)} ms ${m[2]}`] : [];
  });
}

export interface FailoverOptions {
  /** The far end is a bond too (the write-up's layout): watch it as well. */
  farBond?: boolean;
}

export async function failoverScenario(topology: Topology, bundle: Bundle, bondHost: string, options: FailoverOptions = {}): Promise<{ primary: string; cuts: CutReport[] }> {
  const gw = topology.hosts.get(bondHost)!;
  const far = bundle.ends.find((e) => e.host !== bondHost)!;
  const exit = topology.hosts.get(far.host)!;
  const target = far.address!.ip.text;
  const bond = bundle.name;
  const primaryIndex = Math.max(0, bundle.paths.findIndex((p) => p.primary));
  const primary = `${bundle.name}-t${primaryIndex + 1}`;
  await waitFor(`${bond} to pick an active path`, () => inNs(gw.ns, "cat", [`/sys/class/net/${bond}/bonding/active_slave`]).trim() || undefined, 60000);
  const samples: Sample[] = [];
  const farSamples: Sample[] = [];
  const monitor = watchBond(gw.ns, bond);
  const farMonitor = options.farBond ? watchBond(exit.ns, bond) : undefined;
  await waitFor(`${far.host} to hold ${target}`, () => inNs(exit.ns, "ip", ["-o", "addr", "show", "to", target]).trim() || undefined, 60000);
  // Listening on every address: the client still reaches it through the bundle.
  const iperfServer = spawn("ip", ["netns", "exec", exit.ns, "iperf3", "-s"], { stdio: "ignore" });
  // Under emulation the server takes a while to listen: a client before that is refused.
  await waitFor("iperf3 to listen", () => /:5201\s/.test(inNs(exit.ns, "ss", ["-ltn"])) || undefined, 60000);
  const cuts: CutReport[] = [];
  try {
    for (const mode of ["drop", "link-down"] as const) {
      const ping = watch(gw.ns, `ping -D -n -i 0.02 -W 1 ${target}`);
      const tcp = spawn("ip", ["netns", "exec", gw.ns, "iperf3", "-c", target, "-t", "16", "-b", "2M"], { stdio: ["ignore", "pipe", "pipe"] });
      let tcpOutput = "";
      tcp.stdout!.on("data", (d: Buffer) => (tcpOutput += d.toString()));
      tcp.stderr!.on("data", (d: Buffer) => (tcpOutput += d.toString()));
      const tcpDone = new Promise<number>((resolve) => tcp.on("exit", (code) => resolve(code ?? -1)));
      await sleep(3000);
      const active = current(monitor.lines, samples);
      const wire = topology.wires[active === primary ? primaryIndex : Number(active.split("-t").pop()) - 1]!;
      const uplink = bundle.paths[active === primary ? primaryIndex : Number(active.split("-t").pop()) - 1]!.uplinks.get(bondHost)!;
      const cutAt = Date.now();
      const cutUptime = uptimeMs();
      if (mode === "drop") for (const port of wire.ports) inNs(wire.ns, "tc", ["qdisc", "add", "dev", port, "root", "netem", "loss", "100%"]);
      else inNs(gw.ns, "ip", ["link", "set", uplink, "down"]);
      await sleep(5000);
      const after = current(monitor.lines, samples);
      const restoreAt = Date.now();
      if (mode === "drop") for (const port of wire.ports) inNs(wire.ns, "tc", ["qdisc", "del", "dev", port, "root"]);
      else inNs(gw.ns, "ip", ["link", "set", uplink, "up"]);
      await sleep(10000);
      current(monitor.lines, samples);
      if (farMonitor) current(farMonitor.lines, farSamples);
      ping.child.kill("SIGINT");
      await sleep(300);
      const code = await tcpDone;
      const replies = ping.lines.map((l) => /^\[(\d+\.\d+)\].*icmp_seq=(\d+).*time=([\d.]+)/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ t: Number(m[1]) * 1000, seq: Number(m[2]), rtt: Number(m[3]) }));
      const window = replies.filter((r) => r.t >= cutAt - 1000 && r.t <= cutAt + 5000);
      let stall = 0;
      for (let i = 1; i < window.length; i++) stall = Math.max(stall, window[i]!.t - window[i - 1]!.t);
      const seqs = window.map((r) => r.seq);
      const sent = seqs.length ? Math.max(...seqs) - Math.min(...seqs) + 1 : 0;
      const afterRestore = replies.filter((r) => r.t >= restoreAt);
      const lostAfterRestore = afterRestore.length ? Math.max(...afterRestore.map((r) => r.seq)) - Math.min(...afterRestore.map((r) => r.seq)) + 1 - afterRestore.length : 0;
      const back = samples.filter((s) => s.t >= restoreAt).find((s) => s.active === primary);
      const gwChanges = changesAfter(samples, restoreAt);
      const farChanges = farMonitor ? changesAfter(farSamples, restoreAt) : undefined;
      cuts.push({
        mode, activeBefore: active, activeAfter: after, stallMs: Math.round(stall), lost: sent - seqs.length, sent, tcpSurvived: code === 0,
        backToPrimaryMs: back ? Math.round(back.t - restoreAt) : null, changesAfterRestore: gwChanges.changes, afterRestore: gwChanges.list, lostAfterRestore,
        ...(farChanges ? { farAfterRestore: farChanges.list, farChangesAfterRestore: farChanges.changes } : {}),
        kernelLog: kernelLog(cutUptime, [bond]),
        restoreMs: restoreAt - cutAt,
        pings: timeline(replies, cutAt),
        activeChanges: samples.filter((s, i) => s.t >= cutAt - 1000 && (i === 0 || samples[i - 1]!.active !== s.active)).map((s) => [Math.round(s.t - cutAt), s.active || "(none)"]),
        ...(code === 0 ? {} : { tcpOutput: tcpOutput.split("\n").slice(-12).join("\n") }),
      });
    }
  } finally {
    monitor.child.kill();
    farMonitor?.child.kill();
    iperfServer.kill();
  }
  return { primary, cuts };
}

/**
 * Every ping from a second before the cut to the end, received or lost, in ms
 * since the cut. A lost ping's send time is interpolated from its neighbours.
 */
function timeline(replies: { t: number; seq: number; rtt: number }[], cutAt: number): [number, number | null][] {
  const sent = replies.map((r) => ({ seq: r.seq, at: r.t - r.rtt }));
  const points: [number, number | null][] = [];
  for (let i = 0; i < replies.length; i++) {
    const r = replies[i]!;
    if (r.t < cutAt - 1000) continue;
    const prev = sent[i - 1];
    if (prev && r.seq > prev.seq + 1) {
      const step = (sent[i]!.at - prev.at) / (r.seq - prev.seq);
      for (let s = prev.seq + 1; s < r.seq; s++) points.push([Math.round(prev.at + step * (s - prev.seq) - cutAt), null]);
    }
    points.push([Math.round(sent[i]!.at - cutAt), Math.round(r.rtt * 100) / 100]);
  }
  return points;
}

/** Fold the monitor's new lines into samples; return the latest active path. */
function current(lines: string[], samples: Sample[]): string {
  for (const line of lines.splice(0)) {
    const [us, active] = line.split(" ");
    if (us && active !== undefined) samples.push({ t: Number(us) / 1e3, active });
  }
  return samples[samples.length - 1]?.active ?? "";
}

