// --plot: an SVG timeline of ping RTT and loss around each cut, one panel per
// cut and layout, the cut and the restore marked, the active path written
// along the top. Plain SVG, no dependency: people would rather look at a stall.
import type { FailoverRun } from "./inside.js";

const W = 900;
const H = 170;
const M = { left: 56, right: 16, top: 34, bottom: 30 };
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function panel(run: FailoverRun, cutIndex: number, y0: number): string {
  const c = run.cuts[cutIndex]!;
  const t0 = -1000;
  const t1 = Math.max(c.restoreMs + 10000, ...c.pings.map((p) => p[0]));
  const rtts = c.pings.flatMap((p) => (p[1] === null ? [] : [p[1]]));
  const top = Math.max(1, ...rtts) * 1.15;
  const px = (t: number) => M.left + ((t - t0) / (t1 - t0)) * (W - M.left - M.right);
  const py = (rtt: number) => y0 + H - M.bottom - (rtt / top) * (H - M.top - M.bottom);
  const base = y0 + H - M.bottom;
  const out: string[] = [];
  const layout = run.strategy === "redundant" ? "redundant, netgen's files: path 1 cut" : run.layout === "netgen" ? "netgen's files" : "control: the write-up's layout";
  const title = `${run.bundle} (${layout}), cut by ${c.mode}: stall ${c.stallMs} ms, ${c.lost} lost; ${c.lostAfterRestore} lost after restore, ${c.changesAfterRestore} path changes`;
  out.push(`<text x="${M.left}" y="${y0 + 16}" class="t">${esc(title)}</text>`);
  out.push(`<line x1="${M.left}" y1="${base}" x2="${W - M.right}" y2="${base}" class="ax"/><line x1="${M.left}" y1="${y0 + M.top}" x2="${M.left}" y2="${base}" class="ax"/>`);
  for (let s = 0; s * 1000 <= t1; s += 2) out.push(`<text x="${px(s * 1000)}" y="${base + 14}" class="l" text-anchor="middle">${s} s</text>`);
  out.push(`<text x="${M.left - 6}" y="${py(top / 1.15) + 4}" class="l" text-anchor="end">${(top / 1.15).toFixed(1)} ms</text><text x="${M.left - 6}" y="${base}" class="l" text-anchor="end">0</text>`);
  for (const [at, label, cls] of [[0, "cut", "cut"], [c.restoreMs, "restore", "rst"]] as const) {
    out.push(`<line x1="${px(at)}" y1="${y0 + M.top - 6}" x2="${px(at)}" y2="${base}" class="${cls}"/><text x="${px(at) + 3}" y="${y0 + M.top + 4}" class="l">${label}</text>`);
  }
  const points = c.pings.filter((p) => p[1] !== null).map((p) => `${px(p[0]).toFixed(1)},${py(p[1]!).toFixed(1)}`);
  out.push(`<polyline points="${points.join(" ")}" class="rtt"/>`);
  for (const [t] of c.pings.filter((p) => p[1] === null)) out.push(`<line x1="${px(t).toFixed(1)}" y1="${base - 8}" x2="${px(t).toFixed(1)}" y2="${base}" class="lost"/>`);
  const changes: [number, string][] = [[t0, c.activeBefore], ...c.activeChanges.filter(([t]) => t > t0)];
  // Changes close together would overwrite each other: each label starts after the previous one.
  let free = 0;
  for (const [t, path] of changes) {
    const x = Math.max(px(t) + 2, free);
    out.push(`<text x="${x.toFixed(1)}" y="${y0 + M.top - 10}" class="p">${esc(path)}</text>`);
    free = x + path.length * 5.6 + 6;
  }
  return out.join("\n");
}

export function plotSvg(runs: FailoverRun[]): string {
  const panels = runs.flatMap((r) => r.cuts.map((_, i) => ({ r, i })));
  const height = panels.length * H + 24;
  const body = panels.map(({ r, i }, k) => panel(r, i, k * H)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">
<style>.t{font-size:12px;font-weight:bold}.l{font-size:10px;fill:#444}.p{font-size:10px;fill:#1a5e1a}.ax{stroke:#888}.cut{stroke:#c00;stroke-dasharray:4 3}.rst{stroke:#06c;stroke-dasharray:4 3}.rtt{fill:none;stroke:#333;stroke-width:1}.lost{stroke:#c00;stroke-width:1.5}</style>
<rect width="100%" height="100%" fill="#fff"/>
${body}
<text x="${M.left}" y="${height - 6}" class="l">RTT of pings every 20 ms (line), lost pings (red ticks), active path of the bond (green, top); time since the cut</text>
</svg>
`;
}
