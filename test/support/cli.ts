// Run the built CLI as a user would (the bundle package.json's bin names), in a given working directory.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../src/netgen.js", import.meta.url));

/**
 * tsc alone rewrites dist/src/ (the tsconfig is not incremental: every file,
 * every run) and leaves the bundle as it was: the tests would run an older
 * netgen than the modules they import. Refused here, with what to run.
 */
export function bundleIsCurrent(): void {
  const tree = fileURLToPath(new URL("../../src/cli.js", import.meta.url));
  const [bundled, compiled] = [statSync(CLI, { throwIfNoEntry: false }), statSync(tree)];
  if (bundled === undefined || bundled.mtimeMs < compiled.mtimeMs) {
    throw new Error(`${CLI} is ${bundled === undefined ? "missing" : "older than tsc's output"}: run npm run build (tsc alone does not bundle)`);
  }
}
bundleIsCurrent();

export function netgen(args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 180000): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
