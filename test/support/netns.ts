// Network namespaces for tests, always removed: after each use, and at exit
// for any a failed test left behind.
import { execFileSync } from "node:child_process";

const created = new Set<string>();
let counter = 0;

export function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], input });
}

export function ip(...args: string[]): string {
  return run("ip", args);
}

export function newNamespace(label: string): string {
  const name = `ngt-${process.pid}-${counter++}-${label}`.slice(0, 40);
  ip("netns", "add", name);
  created.add(name);
  ip("-n", name, "link", "set", "lo", "up");
  return name;
}

export function removeNamespace(name: string): void {
  try {
    // Kill whatever still runs inside before the namespace goes.
    const pids = run("ip", ["netns", "pids", name]).split("\n").filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    ip("netns", "del", name);
  } catch {
    /* already gone */
  }
  created.delete(name);
}

/** A veth pair between two namespaces, both ends up. */
export function link(nsA: string, ifA: string, nsB: string, ifB: string): void {
  ip("link", "add", `t${counter}a`, "netns", nsA, "type", "veth", "peer", "name", `t${counter}b`, "netns", nsB);
  ip("-n", nsA, "link", "set", `t${counter}a`, "name", ifA);
  ip("-n", nsB, "link", "set", `t${counter}b`, "name", ifB);
  ip("-n", nsA, "link", "set", ifA, "up");
  ip("-n", nsB, "link", "set", ifB, "up");
  counter++;
}

export function inNs(ns: string, cmd: string, args: string[]): string {
  return run("ip", ["netns", "exec", ns, cmd, ...args]);
}

export function json<T>(ns: string, cmd: string, args: string[]): T {
  return JSON.parse(inNs(ns, cmd, args) || "[]") as T;
}

function cleanup(): void {
  for (const name of [...created]) removeNamespace(name);
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (cleanup(), process.exit(130)));
