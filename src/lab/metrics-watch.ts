// The bond end's metrics loop (etc/netgen/metrics.sh, as rendered) running in
// its lab host while the failover scenario cuts paths: the lab reads the file
// node_exporter would serve, once a second, and reports how the bond series
// moved. The only change to the script is where it writes (a folder of the
// lab's own instead of node_exporter's, which every lab host would share).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEXTFILE_DIR } from "../plan/metrics.js";
import type { HostFiles } from "../render/file-set.js";
import { startInNs } from "./namespaces.js";
import { sleep } from "./networkd.js";
import type { LabHost } from "./topology.js";

const SCRIPT = "etc/netgen/metrics.sh";

/** One scrape: series text (`name{labels}`) -> value. */
export type Scrape = Map<string, number>;

/** Prometheus text format, as the metrics loop writes it: `# ` lines and `name{labels} value` lines. */
export function parseScrape(text: string): Scrape {
  const series: Scrape = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+?(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus text-format sample: ${line}`);
    series.set(m[1]!, Number(m[2]));
  }
  return series;
}

export interface PathMetrics {
  /** The path's label in the series, and its tunnel (the bond's member). */
  path: string;
  device: string;
  /** netgen_bundle_path_link_failures_total at the first and the last scrape. */
  failuresBefore: number;
  failuresAfter: number;
  /** A scrape read netgen_bundle_path_up 0 for it. */
  seenDown: boolean;
  /** A scrape read it as the active path. */
  seenActive: boolean;
}

export interface BondMetrics {
  bundle: string;
  scrapes: number;
  paths: PathMetrics[];
  /** netgen_bundle_active_path_changes_total at the first and the last scrape. */
  switchesBefore: number;
  switchesAfter: number;
}

export interface MetricsWatch {
  /** Stops the loop and the reading; what the scrapes showed. */
  stop(): Promise<BondMetrics>;
}

/** Starts `files`' metrics loop in `host` and waits for its first round. */
export async function watchBondMetrics(host: LabHost, files: HostFiles, bundle: string, paths: { label: string; device: string }[]): Promise<MetricsWatch> {
  const entry = files.entries.find((e) => e.path === SCRIPT);
  if (entry?.kind !== "file") throw new Error(`${host.name} renders no ${SCRIPT}: no metrics to watch`);
  const dir = mkdtempSync(join(tmpdir(), "netgen-lab-metrics-"));
  const script = join(dir, "metrics.sh");
  writeFileSync(script, entry.content.split(`${TEXTFILE_DIR}/`).join(`${dir}/`));
  const loop = startInNs(host.ns, "sh", [script], { stdio: "ignore" });
  const scrapes: Scrape[] = [];
  const read = () => {
    try {
      scrapes.push(parseScrape(readFileSync(join(dir, "netgen.prom"), "utf8")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  };
  let reading = true;
  const reader = (async () => {
    while (reading) {
      read();
      await sleep(1000);
    }
  })();
  const started = Date.now();
  while (scrapes.length === 0) {
    if (loop.exitCode !== null) throw new Error(`${host.name}: metrics.sh exited ${loop.exitCode} before its first round`);
    if (Date.now() - started > 120000) throw new Error(`${host.name}: metrics.sh wrote nothing in 120 s`);
    await sleep(200);
  }
  return {
    async stop() {
      reading = false;
      await reader;
      read();
      loop.kill();
      rmSync(dir, { recursive: true, force: true });
      const label = (p: string) => `{bundle="${bundle}",path="${p}"}`;
      const first = scrapes[0]!;
      const last = scrapes[scrapes.length - 1]!;
      const value = (s: Scrape, name: string) => s.get(name) ?? NaN;
      return {
        bundle,
        scrapes: scrapes.length,
        paths: paths.map(({ label: p, device }) => ({
          path: p,
          device,
          failuresBefore: value(first, `netgen_bundle_path_link_failures_total${label(p)}`),
          failuresAfter: value(last, `netgen_bundle_path_link_failures_total${label(p)}`),
          seenDown: scrapes.some((s) => s.get(`netgen_bundle_path_up${label(p)}`) === 0),
          seenActive: scrapes.some((s) => s.get(`netgen_bundle_path_active${label(p)}`) === 1),
        })),
        switchesBefore: value(first, `netgen_bundle_active_path_changes_total{bundle="${bundle}"}`),
        switchesAfter: value(last, `netgen_bundle_active_path_changes_total{bundle="${bundle}"}`),
      };
    },
  };
}
