// npm test: every *.test.js under dist/test, each in a process of its own (a
// file that crashes or hangs its process costs only its own tests), then the
// time each file took, slowest first, and one closing line ("N passed, N
// failed, N skipped"). Under CI=true a skipped tier fails the run.
//
// Two lanes run side by side. The files that boot the lab VM (their tier needs
// `labVm`) run one after the other in one lane; every other file runs one after
// the other in the second lane, at a lower priority (nice +5). An emulated VM
// leaves most of the machine idle (the two cores were 45 % busy on average
// through a whole one-lane CI run, the VM alone 25-80 %), and its guest timers
// run late when it is starved, so it keeps the upper hand. On a kernel with
// bonding, push-bond (and push-wireguard, given WireGuard and ip_gre too) start
// their test hosts on this machine instead of in the VM, with the same host
// names and inotify limit as the other lane's: there every file runs in one lane.
//
// A file's output is printed whole when it ends. Interrupted (Ctrl-C, or CI's
// time limit), the runner sends the running files SIGTERM, prints what they said,
// starts no other, and exits 1. Namespaces are removed on SIGTERM
// (src/lab/namespaces.ts); a test's own after-hooks do not run, so a temp folder
// can stay behind, and qemu ends only if the signal reached the whole process
// group (Ctrl-C at a terminal, .ci/run).
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { kernelHas } from "../src/lab/kernel-modules.js";
import { SKIP_MARK } from "./support/tier.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const pattern = new RegExp(process.argv[2] ?? "\\.test\\.js$");
/** How much lower the second lane runs than the VM lane. */
const NATIVE_LANE_NICE = 5;
/** How long the running files get to clean up after an interruption. */
const CLEANUP_MS = 60000;

interface FileResult {
  file: string;
  seconds: number;
  total: number;
  passed: number;
  skipped: number;
  /** How the file's process ended if not with exit 0 ("exit 1", "killed by SIGKILL", "could not start"), else "". */
  how: string;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? testFiles(join(dir, d.name)) : [join(dir, d.name)]))
    .filter((f) => f.endsWith(".test.js") && pattern.test(relative(here, f)))
    .sort();
}

/** A file whose tier needs the lab VM (test/support/tier.ts, `labVm`). */
const bootsVm = (file: string) => /\blabVm\b/.test(readFileSync(file, "utf8"));

interface Lane {
  nice: number;
}

/** The files running now, with what they said so far: printed if the run is interrupted. */
const running = new Map<string, { child: ChildProcess; output: string; start: bigint }>();
const secondsSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

function runFile(file: string, lane: Lane): Promise<FileResult> {
  const name = relative(here, file);
  const start = process.hrtime.bigint();
  process.stdout.write(`started ${name}${lane.nice === 0 ? "" : ` (nice +${lane.nice})`}\n`);
  // Run directly, not through uvu's CLI: it set FORCE_COLOR=1 for the whole run, and every
  // netgen a test starts coloured its output (tests read plain text; terminal.test sets colour itself).
  const [command, args] = lane.nice === 0 ? [process.execPath, [file]] : ["nice", ["-n", String(lane.nice), process.execPath, file]];
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const entry = { child, output: "", start };
  running.set(name, entry);
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (entry.output += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (entry.output += d));
  return new Promise((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (!running.delete(name)) return; // "error" and "close" can both come
      const output = entry.output + (error ? `\n${error.message}\n` : "");
      const clean = output.replace(/\x1b\[[0-9;]*m/g, "");
      // The file's own totals come last: a test may print a nested run's (push-bond prints the VM's).
      const last = (re: RegExp) => Number([...clean.matchAll(re)].pop()?.[1] ?? 0);
      const seconds = secondsSince(start);
      const how = error ? "could not start" : signal ? `killed by ${signal}` : code !== 0 ? `exit ${code}` : "";
      process.stdout.write(`\n=== ${name} (${seconds.toFixed(1)} s${how ? `, ${how}` : ""})\n${output}`);
      resolve({ file: name, seconds, total: last(/Total:\s+(\d+)/g), passed: last(/Passed:\s+(\d+)/g), skipped: clean.split(SKIP_MARK).length - 1, how });
    };
    child.on("error", (error) => done(null, null, error));
    child.on("close", (code, signal) => done(code, signal));
  });
}

let interrupted: NodeJS.Signals | undefined;

async function runLane(files: string[], lane: Lane): Promise<FileResult[]> {
  const results: FileResult[] = [];
  for (const file of files) if (!interrupted) results.push(await runFile(file, lane));
  return results;
}

/** Print what the files still running said, and go (a second signal, or cleanup that outlasts CLEANUP_MS). */
function abandon(): void {
  let text = "";
  for (const [name, { output, start }] of running) text += `\n=== ${name} (still running ${secondsSince(start).toFixed(1)} s after ${interrupted}; what it said so far)\n${output}\n`;
  process.stdout.write(`${text}\ntests: interrupted by ${interrupted}\n`, () => process.exit(1));
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (interrupted) return abandon();
    interrupted = signal;
    process.stdout.write(`\n${signal}: stopping ${[...running.keys()].join(", ") || "nothing"}; no other file starts\n`);
    // SIGTERM whatever came: the files' cleanup (namespaces, containers) listens for INT and TERM.
    for (const { child } of running.values()) child.kill("SIGTERM");
    setTimeout(abandon, CLEANUP_MS).unref();
  });
}

const started = Date.now();
const files = testFiles(here);
const vmFiles = files.filter(bootsVm);
const native = files.filter((f) => !vmFiles.includes(f));
// With bonding in this kernel, push-bond and push-wireguard run their hosts here, not in the VM: one lane.
const twoLanes = vmFiles.length > 0 && native.length > 0 && !kernelHas(["bonding"]);
process.stdout.write(twoLanes ? `${files.length} test files in two lanes: the ${vmFiles.length} that boot the lab VM (${vmFiles.map((f) => relative(here, f)).join(", ")}), beside the other ${native.length}\n` : `${files.length} test files, one after the other\n`);
const lanes = twoLanes ? [runLane(vmFiles, { nice: 0 }), runLane(native, { nice: NATIVE_LANE_NICE })] : [runLane(files, { nice: 0 })];
const results = (await Promise.all(lanes)).flat();
const sum = (f: (r: FileResult) => number) => results.reduce((n, r) => n + f(r), 0);
const broken = results.filter((r) => r.how !== "" || r.total === 0 || r.passed < r.total);
const failed = sum((r) => r.total - r.passed) + broken.filter((r) => r.passed === r.total).length;
const skipped = sum((r) => r.skipped);
const passed = sum((r) => r.passed) - skipped;
const slowest = [...results].sort((a, b) => b.seconds - a.seconds);
const wall = (Date.now() - started) / 1000;
process.stdout.write(`\ntime per test file, slowest first (${sum((r) => r.seconds).toFixed(0)} s in all, ${wall.toFixed(0)} s from the first to the last):\n`);
for (const r of slowest) process.stdout.write(`${r.seconds.toFixed(1).padStart(7)} s  ${r.file}  ${r.passed}/${r.total}${r.how ? ` ${r.how}` : ""}\n`);
if (broken.length > 0) process.stdout.write(`\nfailed files: ${broken.map((r) => r.file).join(", ")}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped${interrupted ? `; interrupted by ${interrupted}: ${files.length - results.length} files not run` : ""}\n`);
// Exit codes set, not process.exit(): what is still queued for a pipe gets written first.
if (results.length === 0 || broken.length > 0 || interrupted) process.exitCode = 1;
else if (skipped > 0 && process.env.CI === "true") process.exitCode = 1;
else process.exitCode = 0;
