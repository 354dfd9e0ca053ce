// npm test: every *.test.js under dist/test, each in a process of its own (a
// file that crashes or hangs its process costs only its own tests), then the
// time each file took, slowest first, and one closing line ("N passed, N
// failed, N skipped"). Under CI=true a skipped tier fails the run.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SKIP_MARK } from "./support/tier.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const pattern = new RegExp(process.argv[2] ?? "\\.test\\.js$");

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

function runFile(file: string): Promise<FileResult> {
  const start = process.hrtime.bigint();
  // Run directly, not through uvu's CLI: it set FORCE_COLOR=1 for the whole run, and every
  // netgen a test starts coloured its output (tests read plain text; terminal.test sets colour itself).
  const child = spawn(process.execPath, [file], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (process.stdout.write(d), (output += d.toString())));
  child.stderr.on("data", (d: Buffer) => (process.stderr.write(d), (output += d.toString())));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const clean = output.replace(/\x1b\[[0-9;]*m/g, "");
      // The file's own totals come last: a test may print a nested run's (push-bond prints the VM's).
      const last = (re: RegExp) => Number([...clean.matchAll(re)].pop()?.[1] ?? 0);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      resolve({ file: relative(here, file), seconds, total: last(/Total:\s+(\d+)/g), passed: last(/Passed:\s+(\d+)/g), skipped: clean.split(SKIP_MARK).length - 1, code });
    });
  });
}

const results: FileResult[] = [];
for (const file of testFiles(here)) results.push(await runFile(file));

const sum = (f: (r: FileResult) => number) => results.reduce((n, r) => n + f(r), 0);
const broken = results.filter((r) => r.code !== 0 || r.total === 0 || r.passed < r.total);
const failed = sum((r) => r.total - r.passed) + broken.filter((r) => r.passed === r.total).length;
const skipped = sum((r) => r.skipped);
const passed = sum((r) => r.passed) - skipped;
const slowest = [...results].sort((a, b) => b.seconds - a.seconds);
process.stdout.write(`\ntime per test file, slowest first (${sum((r) => r.seconds).toFixed(0)} s in all):\n`);
for (const r of slowest) process.stdout.write(`${r.seconds.toFixed(1).padStart(7)} s  ${r.file}  ${r.passed}/${r.total}${r.code !== 0 ? ` exit ${r.code}` : ""}\n`);
if (broken.length > 0) process.stdout.write(`\nfailed files: ${broken.map((r) => r.file).join(", ")}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
if (results.length === 0 || broken.length > 0) process.exit(1);
if (skipped > 0 && process.env.CI === "true") process.exit(1);
process.exit(0);
