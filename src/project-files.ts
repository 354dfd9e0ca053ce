// Where netgen finds the files it ships beside its code (templates/, agent/,
// package.json, the lab's VM-side script), resolved from this module's place,
// dist/src/. The one place that does: the bundle users run (dist/src/netgen.js,
// see package.json's build) sits in the same folder, so these resolve alike
// from the bundle and from tsc's module tree.
import { fileURLToPath } from "node:url";

const ROOT = new URL("../../", import.meta.url);

export const TEMPLATES_DIR = new URL("templates/", ROOT);
export const AGENT_DIR = new URL("agent/", ROOT);
export const PACKAGE_JSON = new URL("package.json", ROOT);
/** Run by node in the lab VM as a script of its own (tsc's output, not the bundle). */
export const LAB_INSIDE = fileURLToPath(new URL("dist/src/lab/inside.js", ROOT));
