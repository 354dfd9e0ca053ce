// What the failover scenario watches, from inside a lab host's namespace: a
// bond's active path every 20 ms, ping replies, and the kernel's bonding
// messages; folded into samples, changes and a timeline for the report and plot.
import type { ChildProcess } from "node:child_process";
import { run, startInNs } from "./namespaces.js";

export interface Sample {
  t: number;
  active: string;
}

export function watch(ns: string, command: string, shell = "sh"): { child: ChildProcess; lines: string[] } {
  const child = startInNs(ns, shell, ["-c", command], { stdio: ["ignore", "pipe", "ignore"] });
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
export function watchBond(ns: string, bond: string) {
  const script = [
    'f=$(mktemp -u); mkfifo "$f"; exec 9<>"$f"; rm -f "$f"',
    `while :; do a=; read -r a < /sys/class/net/${bond}/bonding/active_slave; printf '%s %s\\n' "\${EPOCHREALTIME/./}" "$a"; read -r -t 0.02 -u 9 _; done`,
  ].join("\n");
  return watch(ns, script, "bash");
}

/** The path changes after `from`, as "path@ms" (the first entry is the state at `from`). */
export function changesAfter(samples: Sample[], from: number): { list: string[]; changes: number } {
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

export const uptimeMs = () => Number(run("cut", ["-d", " ", "-f1", "/proc/uptime"]).trim()) * 1000;

/** The kernel's bonding lines from a second before `sinceUptimeMs` on, stamped relative to it. */
export function kernelLog(sinceUptimeMs: number, bonds: string[]): string[] {
  let text = "";
  try {
    text = run("dmesg", []);
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

/**
 * Every ping from a second before the cut to the end, received or lost, in ms
 * since the cut. A lost ping's send time is interpolated from its neighbours.
 */
export function timeline(replies: { t: number; seq: number; rtt: number }[], cutAt: number): [number, number | null][] {
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
export function current(lines: string[], samples: Sample[]): string {
  for (const line of lines.splice(0)) {
    const [us, active] = line.split(" ");
    if (us && active !== undefined) samples.push({ t: Number(us) / 1e3, active });
  }
  return samples[samples.length - 1]?.active ?? "";
}

/**
 * The 2 Mbit/s TCP stream of the cut scenarios, in writes of 1400 bytes:
 * iperf3's default TCP write is 128 KB, one burst every half second at this
 * rate, which leaves most 100 ms intervals empty whatever the paths do (and
 * queues 200 ms of data at once behind a 5 Mbit/s shaper).
 */
export const STREAM = ["-t", "16", "-b", "2M", "-l", "1400"];

/**
 * The longest stretch, in ms, of iperf3's receiver intervals that delivered
 * nothing (the server runs with -i 0.1; the client asks --get-server-output).
 * The server's report is what counts: the client's writes go on into its
 * socket buffer during a stall.
 */
export function iperfLongestGapMs(output: string, range: { fromSec?: number; toSec?: number } = {}): number | undefined {
  const server = output.split("Server output:")[1];
  if (server === undefined) return undefined;
  let longest = 0;
  let run = 0;
  let seen = false;
  for (const m of server.matchAll(/^\[\s*\d+\]\s+([\d.]+)-([\d.]+)\s+sec\s+([\d.]+)\s+\w?Bytes/gm)) {
    const ms = (Number(m[2]) - Number(m[1])) * 1000;
    // The summary line spans the whole run: not an interval.
    if (ms > 1500) continue;
    if (Number(m[1]) < (range.fromSec ?? 0) || Number(m[2]) > (range.toSec ?? Infinity)) continue;
    seen = true;
    run = Number(m[3]) === 0 ? run + ms : 0;
    longest = Math.max(longest, run);
  }
  return seen ? Math.round(longest) : undefined;
}
