// The lab's readable report: one table per scenario, then the goals (monitor
// interval 100 ms), each said met or MISSED with its figure and, if missed, why.
import type { CutReport } from "./failover.js";
import type { AddressChangeRun } from "./address-change.js";
import type { FailoverRun, LabResult, StrategyRun, ThroughputRun } from "./inside.js";
import { PATH_RATE } from "./throughput.js";

/** `stopped`: the lab VM died before the end (why); the figures are those it had written down before. */
export type LabReport = LabResult & { ran: string; emulated: boolean; stopped?: string };

const STALL_GOAL_MS = 250;
const AGGREGATE_GOAL = 1.8;

function cutRow(c: CutReport, far: boolean): string {
  const back = c.backToPrimaryMs === null ? "never" : `${c.backToPrimaryMs} ms`;
  const changes = `${c.changesAfterRestore}: ${c.afterRestore.join(" ")}${far ? `; far end ${c.farChangesAfterRestore ?? 0}: ${(c.farAfterRestore ?? []).join(" ")}` : ""}`;
  return `| ${c.mode} | ${c.activeBefore} -> ${c.activeAfter} | ${c.stallMs} ms | ${c.lost} / ${c.sent} | ${c.tcpSurvived ? "survived" : "BROKEN"} | ${back} | ${changes} | ${c.lostAfterRestore} |`;
}

function failoverTable(r: FailoverRun): string[] {
  if (r.strategy === "redundant") return redundantTable(r);
  const title = r.layout === "netgen" ? `failover: ${r.bundle}, netgen's files (primary ${r.primary}${r.slaves ? `; slaves in enslavement order: ${r.slaves}` : ""})` : `failover: ${r.bundle}, control: the write-up's layout (a bond on both ends, no primary, no arp_validate)`;
  return [
    title,
    "| cut | active before -> after | stall | lost / sent (20 ms pings) | TCP stream | back to path 1 after restore | path changes in 10 s after restore (path@ms) | pings lost after restore |",
    "|---|---|---:|---:|---|---:|---|---:|",
    ...r.cuts.map((c) => cutRow(c, r.layout === "write-up")),
    "",
  ];
}

const gap = (ms: number | undefined) => (ms === undefined ? "-" : `${ms} ms`);

function redundantTable(r: FailoverRun): string[] {
  return [
    `failover scenario on redundant bundle ${r.bundle}, netgen's files: path 1 cut (every path carries every packet); in brackets the same figure in the seconds before the cut`,
    "| cut | stall | lost / sent (20 ms pings) | replies per ping | TCP stream | TCP: longest gap (100 ms intervals) | pings lost after restore |",
    "|---|---:|---:|---:|---|---:|---:|",
    ...r.cuts.map((c) => `| ${c.mode} | ${c.stallMs} ms (${gap(c.before?.stallMs)}) | ${c.lost} / ${c.sent} | ${c.copiesPerPing ?? "-"} | ${c.tcpSurvived ? "survived" : "BROKEN"} | ${gap(c.tcpLongestGapMs)} (${gap(c.before?.tcpLongestGapMs)}) | ${c.lostAfterRestore} |`),
    "",
  ];
}

/** Bytes on every uplink per byte delivered, from one flow at full speed. */
const costRatio = (r: FailoverRun) => (r.cost && r.cost.deliveredBytes > 0 ? Math.round((r.cost.uplinkBytes / r.cost.deliveredBytes) * 100) / 100 : undefined);

/** failover and redundant side by side: one row per cut of netgen's files. */
function comparisonTable(runs: FailoverRun[]): string[] {
  const ours = runs.filter((r) => r.layout === "netgen");
  if (!ours.some((r) => r.strategy === "redundant")) return [];
  return [
    `failover vs redundant: the same cuts of path 1 (failover: its active path), unshaped; the cost and the flow with every path shaped to ${PATH_RATE}`,
    "| bundle | strategy | cut | stall | lost / sent (20 ms pings) | TCP stream | TCP: longest gap | uplink bytes / delivered | 1 flow Mbit/s (one path alone) |",
    "|---|---|---|---:|---:|---|---:|---:|---:|",
    ...ours.flatMap((r) =>
      r.cuts.map((c) => {
        const flow = r.cost ? `${mbit(r.cost.oneFlow)} (${mbit(r.cost.onePath)})` : "-";
        return `| ${r.bundle} | ${r.strategy ?? "failover"} | ${c.mode} | ${c.stallMs} ms${c.before ? ` (${c.before.stallMs} ms before the cut)` : ""} | ${c.lost} / ${c.sent} | ${c.tcpSurvived ? "survived" : "BROKEN"} | ${gap(c.tcpLongestGapMs)}${c.before ? ` (${gap(c.before.tcpLongestGapMs)} before)` : ""} | ${x(costRatio(r))} | ${flow} |`;
      }),
    ),
    "",
  ];
}

function redundantGoals(r: FailoverRun): string[] {
  const cost = costRatio(r);
  const one = ratio(r.cost?.oneFlow, r.cost?.onePath);
  return [
    ...r.cuts.flatMap((c) => [
      `goal ${r.bundle} ${c.mode}: zero pings lost at 20 ms: ${c.lost === 0 && c.lostAfterRestore === 0 ? "met" : "MISSED"} (${c.lost} lost in the cut, ${c.lostAfterRestore} after the restore)`,
      `goal ${r.bundle} ${c.mode}: the TCP stream never stalls: ${c.tcpSurvived && c.tcpLongestGapMs === 0 ? "met" : "MISSED"} (${c.tcpSurvived ? "survived" : "BROKEN"}, longest run of 100 ms intervals with nothing received from the cut on: ${gap(c.tcpLongestGapMs)}, before the cut ${gap(c.before?.tcpLongestGapMs)}; longest gap between ping replies ${c.stallMs} ms, before the cut ${gap(c.before?.stallMs)})`,
    ]),
    `${r.bundle} as redundant: every byte costs ${x(cost)} on the gateway's uplinks (${r.cost?.paths ?? "?"} paths, plus the GRE and inner Ethernet headers); one TCP flow ${x(one)} of one path alone (the copies aggregate nothing)`,
  ];
}

const ratio = (value: number | undefined, unit: number | undefined) => (value === undefined || !unit ? undefined : Math.round((value / unit) * 100) / 100);
const x = (v: number | undefined) => (v === undefined ? "-" : `${v.toFixed(2)}x`);
const mbit = (v: number | undefined) => (v === undefined ? "-" : `${v.toFixed(2)}`);

/** "teql (inventory)", or with the transport when a run compares transports: "balance-rr over gre". */
const cast = (s: StrategyRun) => `${s.strategy}${s.transport ? ` over ${s.transport}` : ""}${s.declared ? " (inventory)" : ""}`;

function addressChangeTable(r: AddressChangeRun): string[] {
  return [
    `nat: ${r.bundle}, the path over a DHCP uplink behind CGNAT carries the bundle alone; its address changes mid-stream (keepalive ${r.keepaliveSeconds} s)`,
    "| change | uplink: before -> after | new lease after | recovered after the new address | stall | lost / sent (20 ms pings) | TCP stream |",
    "|---|---|---:|---:|---:|---:|---|",
    ...r.changes.map((c) => `| ${c.kind} | ${c.uplink}: ${c.before} -> ${c.after} | ${c.leaseMs === undefined ? "-" : `${c.leaseMs} ms`} | ${c.recoverMs === null ? "NEVER" : `${c.recoverMs} ms`} | ${c.stallMs} ms | ${c.lost} / ${c.sent} | ${c.tcpSurvived ? "survived" : "BROKEN"} |`),
    "",
  ];
}

function addressChangeGoals(r: AddressChangeRun): string[] {
  return r.changes.flatMap((c) => [
    `goal ${r.bundle} ${c.kind}: traffic recovers within one keepalive (${r.keepaliveSeconds} s) of the new address: ${c.recoverMs !== null && c.recoverMs <= r.keepaliveSeconds * 1000 ? "met" : "MISSED"} (${c.recoverMs === null ? "never" : `${c.recoverMs} ms`})`,
    `goal ${r.bundle} ${c.kind}: the TCP stream survives: ${c.tcpSurvived ? "met" : `MISSED (iperf3: ${(c.tcpOutput ?? "").trim().split("\n").pop()})`}`,
  ]);
}

function throughputTable(r: ThroughputRun): string[] {
  return [
    `throughput: ${r.bundle}, ${r.paths} paths, each shaped to ${r.pathRate} each way at its ISP; one path alone, one TCP flow: ${mbit(r.onePath)} Mbit/s`,
    "| strategy | 1 flow Mbit/s | ratio | 8 flows Mbit/s | ratio | bond paths declared down under load |",
    "|---|---:|---:|---:|---:|---:|",
    ...r.strategies.map((s) =>
      s.error
        ? `| ${cast(s)} | FAILED: ${s.error} | | | | |`
        : `| ${cast(s)} | ${mbit(s.oneFlow)} | ${x(ratio(s.oneFlow, r.onePath))} | ${mbit(s.eightFlows)} | ${x(ratio(s.eightFlows, r.onePath))} | ${s.strategy === "failover" || s.strategy === "balance-rr" ? (s.linkFailures ?? "-") : "n/a"} |`,
    ),
    "",
    ...r.strategies.filter((s) => s.strategy === "balance-rr" && !s.error).map((s) => `${cast(s)}: ${paced(s.pacer)}`),
    "",
  ];
}

/** The sending bond's pacer in a few words (tc's "rate 9800Kbit" and "overhead 98"), or why there is none. */
function paced(pacer: string | undefined): string {
  if (pacer === undefined) return "no pacer on the sending bond (a path has no declared rate, or its unit failed)";
  const rate = /\brate (\S+)/.exec(pacer)?.[1] ?? "?";
  const overhead = /\boverhead (\d+)/.exec(pacer)?.[1] ?? "0";
  return `the sending bond was paced at ${rate}, each packet counted with ${overhead} bytes of tunnel headers`;
}

function failoverGoals(r: FailoverRun, emulated: boolean): string[] {
  if (r.strategy === "redundant") return redundantGoals(r);
  if (r.layout !== "netgen") {
    return r.cuts.map((c) => {
      const flapped = c.changesAfterRestore > 1 || (c.farChangesAfterRestore ?? 0) > 1 || c.lostAfterRestore > 5;
      return `control ${r.bundle} ${c.mode}: ${flapped ? `the write-up's failure reproduced: ${c.changesAfterRestore} changes on the gateway, ${c.farChangesAfterRestore ?? 0} on the far end, ${c.lostAfterRestore} pings lost after the restore` : `no ping-pong this time (${c.changesAfterRestore} / ${c.farChangesAfterRestore ?? 0} changes, ${c.lostAfterRestore} pings lost after the restore)`}`;
    });
  }
  const late = emulated ? "; this VM emulates its CPU, so the kernel's timers run late" : "";
  const m = r.monitor;
  const missed = m?.onBond ?? m?.missed;
  const floor = m && missed !== undefined ? `${missed} to ${missed + 1} missed ${m.intervalMs} ms ARP intervals detect the cut${m.onBond !== undefined && m.onBond !== m.missed ? ` (the inventory asked for ${m.missed}: the bond had ${m.onBond})` : ""}` : "missed ARP intervals detect the cut";
  return r.cuts.flatMap((c) => [
    `goal ${r.bundle} ${c.mode}: the bond moves off the cut path: ${c.activeAfter !== c.activeBefore ? "met" : "MISSED"}`,
    `goal ${r.bundle} ${c.mode}: stall at most ${STALL_GOAL_MS} ms: ${c.stallMs <= STALL_GOAL_MS ? "met" : "MISSED"} (${c.stallMs} ms: ${floor}${late})`,
    `goal ${r.bundle} ${c.mode}: the TCP stream survives: ${c.tcpSurvived ? "met" : `MISSED (iperf3: ${(c.tcpOutput ?? "").trim().split("\n").pop()})`}`,
    `goal ${r.bundle} ${c.mode}: no flapping after restore (one change, back to the primary): ${c.changesAfterRestore <= 1 && c.backToPrimaryMs !== null ? "met" : `MISSED (${c.changesAfterRestore} changes: ${c.afterRestore.join(" ")}${c.kernelLog.length ? `; kernel: ${c.kernelLog.slice(-4).join(" | ")}` : ""})`}`,
  ]);
}

/** The bond end's metrics loop through the cuts (metrics-watch.ts): its counters moved as the bond did. */
function metricsGoals(r: FailoverRun): string[] {
  const m = r.metrics;
  if (!m) return [];
  const name = `goal ${r.bundle}: the metrics loop saw the cuts`;
  const cutPaths = new Set(r.cuts.map((c) => c.activeBefore));
  const primary = m.paths.find((p) => cutPaths.has(p.device)) ?? m.paths[0]!;
  const failures = primary.failuresAfter - primary.failuresBefore;
  const switches = m.switchesAfter - m.switchesBefore;
  const counts = m.paths.map((p) => `${p.path} ${p.failuresBefore} -> ${p.failuresAfter}${p.seenDown ? ", seen down" : ""}`).join("; ");
  return [
    `${name}: link failures of the cut path counted, one per cut: ${failures >= r.cuts.length ? "met" : "MISSED"} (${counts}; ${m.scrapes} scrapes, one a second)`,
    `${name}: active path changes counted: ${switches >= 1 ? "met" : "MISSED"} (${m.switchesBefore} -> ${m.switchesAfter}; a round every 5 s sees a change that outlasts it)`,
  ];
}

/** Each masquerading exit's forward policy (exit-policy.ts), as met or MISSED. */
function exitPolicyGoals(r: FailoverRun): string[] {
  return (r.exitPolicy ?? []).flatMap((p) => {
    const name = `goal ${r.bundle}: ${p.exit} forwards only what the inventory declares`;
    if (p.error) return [`${name}: MISSED (not checked: ${p.error})`];
    return [
      `${name}: the bundle reaches out of ${p.uplink}, masqueraded: ${p.outward ? "met" : "MISSED"}`,
      `${name}: a host on ${p.uplink}'s segment cannot reach the bundle network: ${p.inwardRefused && p.dropped > 0 && p.controlReached ? "met" : "MISSED"} (refused: ${p.inwardRefused}, ${p.dropped} packet(s) counted by the forward chain's drop; control without the chain: ${p.controlReached ? "reached" : "NOT reached, so the check proves nothing"})`,
    ];
  });
}

function strategyGoal(s: StrategyRun, r: ThroughputRun): string[] {
  const name = `goal ${r.bundle} as ${s.strategy}${s.transport ? ` over ${s.transport}` : ""}`;
  if (s.error) return [`${name}: MISSED (the run failed: ${s.error})`];
  const one = ratio(s.oneFlow, r.onePath);
  const eight = ratio(s.eightFlows, r.onePath);
  const atLeast = (v: number | undefined) => (v !== undefined && v >= AGGREGATE_GOAL ? "met" : "MISSED");
  switch (s.strategy) {
    case "teql":
    case "balance-rr":
      return [
        `${name}: one TCP flow at least ${AGGREGATE_GOAL}x one path: ${atLeast(one)} (${x(one)}: packets of one flow go round robin over every path${
          s.linkFailures ? `; under load the bonds declared a path down ${s.linkFailures} times: ARP probes queued behind data past the monitor's missed intervals` : ""
        })`,
      ];
    case "ecmp":
      return [
        `${name}: 8 flows at least ${AGGREGATE_GOAL}x one path: ${atLeast(eight)} (${x(eight)})`,
        `${name}: one flow about 1.0x: ${one !== undefined && one >= 0.8 && one <= 1.25 ? "met" : "MISSED"} (${x(one)}: the kernel hashes each flow onto one path, so one flow never aggregates)`,
      ];
    case "redundant":
      return [`${r.bundle} as redundant: ${x(one)} with one flow, ${x(eight)} with 8 (every packet over every path: about one path, at N times the upload)`];
    default:
      return [
        `${r.bundle} as failover: ${x(one)} with one flow, ${x(eight)} with 8 (active-backup carries one path at a time; no aggregation goal)`,
        `goal ${r.bundle} as failover: no healthy path declared down under 8 saturating flows: ${s.linkFailures === 0 ? "met" : "MISSED"} (${s.linkFailures ?? "not counted"}${
          s.linkFailures
            ? ` times: a saturated path queues the ARP probes behind data for longer than the monitor's missed intervals (the ISP's queue here holds 100 packets, 240 ms at 5 Mbit/s); above 1.0x is the bond flapping between paths, not aggregation. Keep the queue on the host: shape the uplink a little below its real rate (netgen puts fq_codel under the shaper, which lets the probes pass; validate warns about unshaped failover uplinks)`
            : ""
        })`,
      ];
  }
}

export function labTable(r: LabReport): string[] {
  return [
    // The slowdown beside every figure: timings and rates are read in its light.
    `lab on ${r.ran}${r.emulated ? `; VM slowdown x${r.slowdown} (against a quiet VM, measured at its boot)` : ""}`,
    ...(r.stopped ? [`the lab VM stopped before the end (${r.stopped}): what follows was measured before; a cast marked lost was not`] : []),
    "",
    ...r.failover.flatMap(failoverTable),
    ...comparisonTable(r.failover),
    ...(r.addressChanges ?? []).flatMap(addressChangeTable),
    ...r.throughput.flatMap(throughputTable),
    ...r.failover.flatMap((f) => failoverGoals(f, r.emulated)),
    ...r.failover.flatMap(metricsGoals),
    ...r.failover.flatMap(exitPolicyGoals),
    ...(r.addressChanges ?? []).flatMap(addressChangeGoals),
    ...r.throughput.flatMap((t) => t.strategies.flatMap((s) => strategyGoal(s, t))),
  ];
}
