// The failover scenario: pings every 20 ms and a TCP stream across the
// bundle; the active path is cut twice (its packets dropped upstream with the
// carrier up, then its link taken down), restored each time, and the bond's
// active path is watched throughout.
import { type ChildProcess, spawn } from "node:child_process";
import type { Bundle } from "../inventory/types.js";
import { sleep, waitFor } from "./networkd.js";
import { inNs, type Topology } from "./topology.js";

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
  tcpOutput?: string;
}

interface Sample {
  t: number;
  active: string;
}

function watch(ns: string, command: string): { child: ChildProcess; lines: string[] } {
  const child = spawn("ip", ["netns", "exec", ns, "sh", "-c", command], { stdio: ["ignore", "pipe", "ignore"] });
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

export async function failoverScenario(topology: Topology, bundle: Bundle, bondHost: string): Promise<{ primary: string; cuts: CutReport[] }> {
  const gw = topology.hosts.get(bondHost)!;
  const far = bundle.ends.find((e) => e.host !== bondHost)!;
  const exit = topology.hosts.get(far.host)!;
  const target = far.address!.ip.text;
  const bond = bundle.name;
  const primaryIndex = Math.max(0, bundle.paths.findIndex((p) => p.primary));
  const primary = `${bundle.name}-t${primaryIndex + 1}`;
  await waitFor(`${bond} to pick an active path`, () => inNs(gw.ns, "cat", [`/sys/class/net/${bond}/bonding/active_slave`]).trim() || undefined, 60000);
  const samples: Sample[] = [];
  const monitor = watch(gw.ns, `while :; do echo "$(date +%s%N) $(cat /sys/class/net/${bond}/bonding/active_slave)"; sleep 0.02; done`);
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
      if (mode === "drop") for (const port of wire.ports) inNs(wire.ns, "tc", ["qdisc", "add", "dev", port, "root", "netem", "loss", "100%"]);
      else inNs(gw.ns, "ip", ["link", "set", uplink, "down"]);
      await sleep(5000);
      const after = current(monitor.lines, samples);
      const restoreAt = Date.now();
      if (mode === "drop") for (const port of wire.ports) inNs(wire.ns, "tc", ["qdisc", "del", "dev", port, "root"]);
      else inNs(gw.ns, "ip", ["link", "set", uplink, "up"]);
      await sleep(10000);
      current(monitor.lines, samples);
      ping.child.kill("SIGINT");
      await sleep(300);
      const code = await tcpDone;
      const replies = ping.lines.map((l) => /^\[(\d+\.\d+)\].*icmp_seq=(\d+)/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ t: Number(m[1]) * 1000, seq: Number(m[2]) }));
      const window = replies.filter((r) => r.t >= cutAt - 1000 && r.t <= cutAt + 5000);
      let stall = 0;
      for (let i = 1; i < window.length; i++) stall = Math.max(stall, window[i]!.t - window[i - 1]!.t);
      const seqs = window.map((r) => r.seq);
      const sent = seqs.length ? Math.max(...seqs) - Math.min(...seqs) + 1 : 0;
      const later = samples.filter((s) => s.t >= restoreAt);
      const back = later.find((s) => s.active === primary);
      let changes = 0;
      const afterRestore = later.length ? [`${later[0]!.active || "(none)"}@0`] : [];
      for (let i = 1; i < later.length; i++) {
        if (later[i]!.active === later[i - 1]!.active) continue;
        changes++;
        afterRestore.push(`${later[i]!.active || "(none)"}@${Math.round(later[i]!.t - restoreAt)}`);
      }
      cuts.push({
        mode, activeBefore: active, activeAfter: after, stallMs: Math.round(stall), lost: sent - seqs.length, sent, tcpSurvived: code === 0,
        backToPrimaryMs: back ? Math.round(back.t - restoreAt) : null, changesAfterRestore: changes, afterRestore,
        ...(code === 0 ? {} : { tcpOutput: tcpOutput.split("\n").slice(-12).join("\n") }),
      });
    }
  } finally {
    monitor.child.kill();
    iperfServer.kill();
  }
  return { primary, cuts };
}

/** Fold the monitor's new lines into samples; return the latest active path. */
function current(lines: string[], samples: Sample[]): string {
  for (const line of lines.splice(0)) {
    const [ns, active] = line.split(" ");
    if (ns && active !== undefined) samples.push({ t: Number(ns) / 1e6, active });
  }
  return samples[samples.length - 1]?.active ?? "";
}

