// The bond end's metrics loop (etc/netgen/metrics.sh, as rendered) running in
// its lab host while the failover scenario cuts paths: the lab reads the file
// node_exporter would serve, once a second, and reports how the bond series
// moved. The only change to the script is where it writes (a folder of the
// lab's own instead of node_exporter's, which every lab host would share).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePrometheusText, type Sample } from "../net/prometheus-text.js";
import { TEXTFILE_DIR } from "../plan/metrics.js";
import type { HostFiles } from "../render/file-set.js";
import { startInNs } from "./namespaces.js";
import { sleep } from "./networkd.js";
import type { LabHost } from "./topology.js";

const SCRIPT = "etc/netgen/metrics.sh";

/** One read of the file: its samples. */
type Scrape = Sample[];

/** A sample's value, by name and its bundle and path labels (NaN when the round has none). */
function valueOf(scrape: Scrape, name: string, bundle: string, path?: string): number {
  return scrape.find((s) => s.name === name && s.labels.bundle === bundle && s.labels.path === path)?.value ?? NaN;
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
  let failed: unknown;
  const read = () => {
    try {
      scrapes.push(parsePrometheusText(readFileSync(join(dir, "netgen.prom"), "utf8"), `${host.name}: metrics file`));
    } catch (error) {
      // Written by rename: a file that does not parse is a broken loop, said when the watch stops.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") failed ??= error;
    }
  };
  let reading = true;
  const reader = (async () => {
    while (reading) {
      read();
      await sleep(1000);
    }
  })();
  const end = async () => {
    reading = false;
    await reader;
    loop.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  while (scrapes.length === 0) {
    const why = failed !== undefined ? (failed as Error).message : loop.exitCode !== null ? `metrics.sh exited ${loop.exitCode} before its first round` : Date.now() - started > 120000 ? "metrics.sh wrote nothing in 120 s" : undefined;
    if (why !== undefined) {
      await end();
      throw new Error(`${host.name}: ${why}`);
    }
    await sleep(200);
  }
  return {
    async stop() {
      read();
      await end();
      if (failed !== undefined) throw failed;
      const first = scrapes[0]!;
      const last = scrapes[scrapes.length - 1]!;
      const failures = (s: Scrape, p: string) => valueOf(s, "netgen_bundle_path_link_failures_total", bundle, p);
      const switches = (s: Scrape) => valueOf(s, "netgen_bundle_active_path_changes_total", bundle);
      return {
        bundle,
        scrapes: scrapes.length,
        paths: paths.map(({ label: p, device }) => ({
          path: p,
          device,
          failuresBefore: failures(first, p),
          failuresAfter: failures(last, p),
          seenDown: scrapes.some((s) => valueOf(s, "netgen_bundle_path_up", bundle, p) === 0),
          seenActive: scrapes.some((s) => valueOf(s, "netgen_bundle_path_active", bundle, p) === 1),
        })),
        switchesBefore: switches(first),
        switchesAfter: switches(last),
      };
    },
  };
}
