// DOT -> SVG with Graphviz compiled to WebAssembly (@viz-js/viz): no system
// package, and the same layout on every machine (the WASM build measures text
// with its own font metrics, not the host's fonts).
import { InternalError } from "../errors.js";

export async function dotToSvg(dot: string): Promise<string> {
  // Loaded here, not at start: only `graph -o FILE.svg` needs Graphviz.
  const { instance } = await import("@viz-js/viz");
  const viz = await instance();
  const result = viz.render(dot, { format: "svg", engine: "dot" });
  // Our own DOT failing to lay out is netgen's bug, not the user's.
  if (result.status !== "success") throw new InternalError(`graphviz refused the DOT netgen made: ${result.errors.map((e) => e.message).join("; ")}`);
  return result.output;
}
