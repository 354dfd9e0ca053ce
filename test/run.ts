// npm test: every *.test.js under dist/test, through uvu, then one closing line
// ("N passed, N failed, N skipped"). Under CI=true a skipped tier fails the run.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SKIP_MARK } from "./support/tier.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const uvu = fileURLToPath(new URL("../../node_modules/uvu/bin.js", import.meta.url));
const pattern = process.argv[2] ?? "\\.test\\.js$";
// --no-color: uvu's CLI otherwise sets FORCE_COLOR=1 for the whole run, and
// every netgen a test starts would colour its output (tests read plain text;
// test/terminal.test.ts sets the colour variables itself).
const child = spawn(process.execPath, [uvu, here, pattern, "--no-color"], { stdio: ["ignore", "pipe", "pipe"] });
let stdout = "";
let stderr = "";
child.stdout.on("data", (d: Buffer) => (process.stdout.write(d), (stdout += d.toString())));
child.stderr.on("data", (d: Buffer) => (process.stderr.write(d), (stderr += d.toString())));
child.on("exit", (code) => {
  const clean = (stdout + stderr).replace(/\x1b\[[0-9;]*m/g, "");
  // uvu's own totals come last: a test may print a nested run's (push-bond prints the VM's).
  const last = (re: RegExp) => Number([...clean.matchAll(re)].pop()?.[1] ?? 0);
  const total = last(/Total:\s+(\d+)/g);
  const passed = last(/Passed:\s+(\d+)/g);
  const skipped = clean.split(SKIP_MARK).length - 1;
  const failed = total - passed;
  process.stdout.write(`\ntests: ${passed - skipped} passed, ${failed} failed, ${skipped} skipped\n`);
  if (code !== 0 || failed > 0 || total === 0) process.exit(code || 1);
  if (skipped > 0 && process.env.CI === "true") process.exit(1);
  process.exit(0);
});
