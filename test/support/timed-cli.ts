// The built CLI run as a user would, with every progress line (stderr) stamped
// with the seconds since start as it arrives: a push that runs out of time in
// the lab VM shows which phase took it.
import { spawn } from "node:child_process";
import { CLI } from "./cli.js";

export interface TimedRun {
  code: number;
  stdout: string;
  /** Progress lines, each prefixed "+S.Ss ". */
  stderr: string;
  seconds: number;
}

export function netgenTimed(args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<TimedRun> {
  const started = Date.now();
  const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1)}s`;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    const lines = (partial + d).split("\n");
    partial = lines.pop()!;
    for (const line of lines) stderr += `${stamp()} ${line}\n`;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      if (partial) stderr += `${stamp()} ${partial}\n`;
      resolve({ code: code ?? -1, stdout, stderr: code === null ? `${stderr}killed after ${timeoutMs / 1000} s\n` : stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}
