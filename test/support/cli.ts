// Run the built CLI as a user would (the bundle package.json's bin names), in a given working directory.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../src/netgen.js", import.meta.url));

export function netgen(args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 180000): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
