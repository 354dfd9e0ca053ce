// npm test: every *.test.js under dist/test, each in a process of its own (a
// file that crashes or hangs its process costs only its own tests), then the
// time each file took, slowest first, and one closing line ("N passed, N
// failed, N skipped"). Under CI=true a skipped tier fails the run.
//
// Two lanes run side by side. The files that boot the lab VM (their tier needs
// `labVm`) run one after the other in one lane; every other file runs one after
// the other in the second lane, at a lower priority (nice +5). An emulated VM
// leaves most of the machine idle (a quarter to two thirds of two cores, measured
// through a whole CI run), and its guest timers run late when it is starved, so
// it keeps the upper hand. A file's output is printed whole when it ends.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SKIP_MARK } from "./support/tier.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const pattern = new RegExp(process.argv[2] ?? "\\.test\\.js$");
/** How much lower the second lane runs than the VM lane. */
const NATIVE_LANE_NICE = 5;

interface FileResult {
  file: string;
  seconds: number;
  total: number;
  passed: number;
  skipped: number;
  code: number | null;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? testFiles(join(dir, d.name)) : [join(dir, d.name)]))
    .filter((f) => f.endsWith(".test.js") && pattern.test(relative(here, f)))
    .sort();
}

/** A file whose tier needs the lab VM (test/support/tier.ts, `labVm`). */
const bootsVm = (file: string) => /\blabVm\b/.test(readFileSync(file, "utf8"));

function runFile(file: string, nice: number): Promise<FileResult> {
  const start = process.hrtime.bigint();
  process.stdout.write(`started ${relative(here, file)}${nice === 0 ? "" : ` (nice +${nice})`}\n`);
  // Run directly, not through uvu's CLI: it set FORCE_COLOR=1 for the whole run, and every
  // netgen a test starts coloured its output (tests read plain text; terminal.test sets colour itself).
  const [command, args] = nice === 0 ? [process.execPath, [file]] : ["nice", ["-n", String(nice), process.execPath, file]];
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const clean = output.replace(/\x1b\[[0-9;]*m/g, "");
      // The file's own totals come last: a test may print a nested run's (push-bond prints the VM's).
      const last = (re: RegExp) => Number([...clean.matchAll(re)].pop()?.[1] ?? 0);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const name = relative(here, file);
      process.stdout.write(`\n=== ${name} (${seconds.toFixed(1)} s${code !== 0 ? `, exit ${code}` : ""})\n${output}`);
      resolve({ file: name, seconds, total: last(/Total:\s+(\d+)/g), passed: last(/Passed:\s+(\d+)/g), skipped: clean.split(SKIP_MARK).length - 1, code });
    });
  });
}

async function lane(files: string[], nice: number): Promise<FileResult[]> {
  const results: FileResult[] = [];
  for (const file of files) results.push(await runFile(file, nice));
  return results;
}

const started = Date.now();
const files = testFiles(here);
const vmFiles = files.filter(bootsVm);
const native = files.filter((f) => !vmFiles.includes(f));
process.stdout.write(`${files.length} test files: ${vmFiles.length} boot the lab VM (${vmFiles.map((f) => relative(here, f)).join(", ") || "none"}), run beside the other ${native.length}\n`);
const results = (await Promise.all([lane(vmFiles, 0), lane(native, vmFiles.length > 0 ? NATIVE_LANE_NICE : 0)])).flat();

const sum = (f: (r: FileResult) => number) => results.reduce((n, r) => n + f(r), 0);
const broken = results.filter((r) => r.code !== 0 || r.total === 0 || r.passed < r.total);
const failed = sum((r) => r.total - r.passed) + broken.filter((r) => r.passed === r.total).length;
const skipped = sum((r) => r.skipped);
const passed = sum((r) => r.passed) - skipped;
const slowest = [...results].sort((a, b) => b.seconds - a.seconds);
const wall = (Date.now() - started) / 1000;
process.stdout.write(`\ntime per test file, slowest first (${sum((r) => r.seconds).toFixed(0)} s in all, ${wall.toFixed(0)} s from start to end in two lanes):\n`);
for (const r of slowest) process.stdout.write(`${r.seconds.toFixed(1).padStart(7)} s  ${r.file}  ${r.passed}/${r.total}${r.code !== 0 ? ` exit ${r.code}` : ""}\n`);
if (broken.length > 0) process.stdout.write(`\nfailed files: ${broken.map((r) => r.file).join(", ")}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
if (results.length === 0 || broken.length > 0) process.exit(1);
if (skipped > 0 && process.env.CI === "true") process.exit(1);
process.exit(0);
