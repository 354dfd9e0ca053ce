// The path figures `netgen status` shows: the host's metrics file (written by
// netgen-metrics.service, src/plan/metrics.ts) read through the agent, parsed
// and laid out as one table for the fleet. The figures are the loop's last
// round, the same numbers Prometheus scrapes; status measures nothing itself.
import { parsePrometheusText, type Sample } from "../net/prometheus-text.js";
import { INTERVAL_SECONDS } from "../plan/metrics.js";

/** One path of a bundle as the host's last round saw it. */
export interface PathFigures {
  path: string;
  /** From the bond (netgen_bundle_path_up) where the host has one, else from loss: a round with every probe lost is down. */
  state: "up" | "down" | "unknown";
  rttMs?: number;
  lossPercent?: number;
  /** The kernel's link failure count for the path (bond end only), since the bond was created. */
  linkFailures?: number;
}

export interface BundleFigures {
  bundle: string;
  /** The path a failover bond sends on; null when it has none (all paths down, or a bond without one); absent: not a failover bond end. */
  activePath?: string | null;
  /** Active-path changes the loop saw since the metrics service started (failover bond end only). */
  switches?: number;
  paths: PathFigures[];
}

export type HostMetrics =
  | { state: "fresh" | "stale"; ageSeconds: number; truncated: boolean; bundles: BundleFigures[] }
  /** No file: the host has no netgen-metrics.service, or it has not written a round. */
  | { state: "missing" }
  /** A file that does not parse: the loop is broken (the error names the line). */
  | { state: "unreadable"; error: string };

/** Older than this the loop has missed three rounds: the figures are flagged stale. */
export const STALE_SECONDS = 3 * INTERVAL_SECONDS;

/** The bundles and paths of a metrics file, by name (a path without an RTT series must not move). */
export function bundleFigures(samples: Sample[]): BundleFigures[] {
  const bundles = new Map<string, BundleFigures & { byPath: Map<string, PathFigures & { up?: number; active?: number }> }>();
  const bundleOf = (name: string) => bundles.get(name) ?? bundles.set(name, { bundle: name, paths: [], byPath: new Map() }).get(name)!;
  for (const s of samples) {
    const { bundle, path } = s.labels;
    if (bundle === undefined || !s.name.startsWith("netgen_")) continue;
    const b = bundleOf(bundle);
    if (s.name === "netgen_bundle_active_path_changes_total") b.switches = s.value;
    if (path === undefined) continue;
    const p = b.byPath.get(path) ?? b.byPath.set(path, { path, state: "unknown" }).get(path)!;
    // Rounded to what the loop measures (µs, and 4 digits of loss): no float noise in --json.
    if (s.name === "netgen_path_rtt_seconds") p.rttMs = Math.round(s.value * 1e6) / 1e3;
    else if (s.name === "netgen_path_loss_ratio") p.lossPercent = Math.round(s.value * 1e4) / 1e2;
    else if (s.name === "netgen_bundle_path_up") p.up = s.value;
    else if (s.name === "netgen_bundle_path_active") p.active = s.value;
    else if (s.name === "netgen_bundle_path_link_failures_total") p.linkFailures = s.value;
  }
  const byName = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return byName(bundles).map(({ byPath, ...b }) => {
    const paths = byName(byPath);
    // Only a failover bond end reports which path is active; a bond with no active path reports 0 for all.
    const reportsActive = paths.some((p) => p.active !== undefined);
    const activePath = reportsActive ? (paths.find((p) => p.active === 1)?.path ?? null) : undefined;
    return {
      ...b,
      ...(activePath !== undefined ? { activePath } : {}),
      paths: paths.map(({ up, active: _, ...p }) => ({
        ...p,
        state: up !== undefined ? (up === 1 ? "up" : "down") : p.lossPercent !== undefined ? (p.lossPercent >= 100 ? "down" : "up") : "unknown",
      })),
    };
  });
}

/** What status reports for a host's metrics file as the agent returned it. */
export function hostMetrics(file: { text: string; size: number; ageSeconds: number } | "absent", host: string): HostMetrics {
  if (file === "absent") return { state: "missing" };
  const truncated = file.size > Buffer.byteLength(file.text);
  // A file cut at the agent's bound ends mid-line: that line is left out, the others read.
  const text = truncated ? file.text.slice(0, file.text.lastIndexOf("\n") + 1) : file.text;
  const bundles = bundleFigures(parsePrometheusText(text, `${host}: metrics file`));
  return { state: file.ageSeconds > STALE_SECONDS ? "stale" : "fresh", ageSeconds: file.ageSeconds, truncated, bundles };
}

const HEAD = ["HOST", "BUNDLE", "ACTIVE", "PATH", "STATE", "RTT ms", "LOSS %", "LINK FAILS", "SWITCHES", "AGE"];

/** The fleet table: a row per path, host and bundle named on their first row; a host without figures gets one row saying why. */
export function metricsTable(hosts: { host: string; metrics?: HostMetrics }[]): string[] {
  const rows: string[][] = [];
  const num = (v: number | undefined, digits: number) => (v === undefined ? "-" : v.toFixed(digits));
  for (const { host, metrics } of hosts) {
    if (metrics === undefined) continue; // a host netgen generates no metrics loop for, or not reached
    else if (metrics.state === "missing") rows.push([host, "(no metrics file: netgen-metrics.service is not installed or not running)"]);
    else if (metrics.state === "unreadable") rows.push([host, `(metrics file unreadable: ${metrics.error})`]);
    else {
      const age = `${metrics.ageSeconds}s${metrics.state === "stale" ? " STALE" : ""}${metrics.truncated ? " CUT" : ""}`;
      if (metrics.bundles.length === 0) rows.push([host, "(no bundle in the metrics file)", "", "", "", "", "", "", "", age]);
      metrics.bundles.forEach((b, bi) =>
        b.paths.forEach((p, pi) => {
          const first = pi === 0;
          const active = b.activePath === undefined ? "-" : (b.activePath ?? "(none)");
          rows.push([
            bi === 0 && first ? host : "",
            first ? b.bundle : "",
            first ? active : "",
            p.path,
            p.state,
            num(p.rttMs, 2),
            num(p.lossPercent, 0),
            p.linkFailures === undefined ? "-" : String(p.linkFailures),
            first ? (b.switches === undefined ? "-" : String(b.switches)) : "",
            bi === 0 && first ? age : "",
          ]);
        }),
      );
    }
  }
  if (rows.length === 0) return [];
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length === HEAD.length).map((r) => r[i]!.length)));
  const line = (r: string[]) => (r.length === HEAD.length ? r.map((c, i) => c.padEnd(widths[i]!)).join("  ") : r.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c)).join("  ")).trimEnd();
  return [line(HEAD), ...rows.map(line)];
}
