// Network namespaces for the lab and the test tiers: named after this process
// (two runs at once, or a run beside a stale one, cannot clash), wired with
// veth pairs, and every one removed at exit, also those a failed build or
// test left behind.
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from "node:child_process";

const created = new Set<string>();
let counter = 0;
let cleanupInstalled = false;

export function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], input });
}

export const ip = (...args: string[]): string => run("ip", args);

export const inNs = (ns: string, cmd: string, args: string[]): string => run("ip", ["netns", "exec", ns, cmd, ...args]);

/** A long-running command in `ns` (a server, a watcher); removeNamespace kills it if its owner did not. */
export const startInNs = (ns: string, cmd: string, args: string[], options: SpawnOptions): ChildProcess => spawn("ip", ["netns", "exec", ns, cmd, ...args], options);

/** A new namespace with its loopback up; `label` (a host, a wire) only helps a reader of `ip netns`. */
export function newNamespace(label: string): string {
  removeAllAtExit();
  const name = `ngt-${process.pid}-${counter++}-${label}`.slice(0, 40);
  ip("netns", "add", name);
  created.add(name);
  ip("-n", name, "link", "set", "lo", "up");
  return name;
}

export function removeNamespace(name: string): void {
  try {
    // Kill whatever still runs inside (networkd, iperf3) before the namespace goes.
    for (const pid of ip("netns", "pids", name).split("\n").filter(Boolean)) {
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

/**
 * A veth pair from `ifA` in `nsA` to `ifB` in `nsB`, created in place (no
 * temporary name in this namespace that a parallel run could also pick).
 * `up: false` leaves both ends down for whoever configures them (networkd).
 */
export function link(nsA: string, ifA: string, nsB: string, ifB: string, { up = true } = {}): void {
  const [tmpA, tmpB] = [`t${counter}a`, `t${counter}b`];
  counter++;
  ip("link", "add", tmpA, "netns", nsA, "type", "veth", "peer", "name", tmpB, "netns", nsB);
  ip("-n", nsA, "link", "set", tmpA, "name", ifA);
  ip("-n", nsB, "link", "set", tmpB, "name", ifB);
  if (!up) return;
  ip("-n", nsA, "link", "set", ifA, "up");
  ip("-n", nsB, "link", "set", ifB, "up");
}

/**
 * An interface that leads nowhere (an uplink no path wires): a veth whose peer
 * stays beside it. With `carrier` the peer is up, so the interface has carrier
 * and networkd configures it; without, it stays as a cable-less port would.
 */
export function deadEnd(ns: string, name: string, { carrier }: { carrier: boolean }): void {
  const peer = `p-${name}`.slice(0, 15);
  ip("-n", ns, "link", "add", name, "type", "veth", "peer", "name", peer);
  if (carrier) ip("-n", ns, "link", "set", peer, "up");
}

function removeAllAtExit(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const cleanup = () => {
    for (const name of [...created]) removeNamespace(name);
  };
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (cleanup(), process.exit(130)));
}

/** Whether one ping from `ns` to `target` is answered within `waitSeconds` (from `source`, if given). */
export function answersPing(ns: string, target: string, { waitSeconds = 1, source }: { waitSeconds?: number; source?: string } = {}): boolean {
  try {
    inNs(ns, "ping", ["-c", "1", "-W", String(waitSeconds), "-n", ...(source ? ["-I", source] : []), target]);
    return true;
  } catch {
    return false;
  }
}

/** A command's JSON output (`ip -j`, `tc -j`) inside a namespace; nothing printed reads as []. */
export const json = <T>(ns: string, cmd: string, args: string[]): T => JSON.parse(inNs(ns, cmd, args) || "[]") as T;
