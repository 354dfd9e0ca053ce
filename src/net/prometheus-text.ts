// Prometheus' text exposition format, as netgen's metrics loop writes it
// (templates/metrics.sh.hbs): read by `netgen status` and by the lab.
/** One sample: the metric's name, its labels, its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$/;
const LABEL = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

/**
 * Prometheus' text exposition format (version 0.0.4): comments and HELP/TYPE
 * lines skipped, label values unescaped (\\, \", \n), +Inf/-Inf/NaN as numbers.
 * A line that is none of these is an error naming the line: the file is netgen's
 * own, so a bad line means a broken loop, not something to skip quietly.
 */
export function parsePrometheusText(text: string, where: string): Sample[] {
  const samples: Sample[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const m = SAMPLE.exec(line);
    const labels: Record<string, string> = {};
    let ok = m !== null;
    if (m?.[2]) {
      LABEL.lastIndex = 0;
      let l: RegExpExecArray | null;
      while (LABEL.lastIndex < m[2].length && (l = LABEL.exec(m[2])) !== null) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      ok = LABEL.lastIndex === m[2].length || m[2].trim() === "";
    }
    const value = m ? Number(m[3]!.replace(/^\+?Inf$/, "Infinity")) : NaN;
    if (!ok || (Number.isNaN(value) && m?.[3] !== "NaN")) throw new Error(`${where}: line ${i + 1} is not a Prometheus sample: ${line.slice(0, 120)}`);
    samples.push({ name: m![1]!, labels, value });
  });
  return samples;
}
