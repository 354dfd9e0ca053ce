// The host agent run on a scratch root (NETGEN_ROOT, NETGEN_STATE). The
// service manager is out of reach there: systemctl, networkctl, systemd-run,
// ip and logger are shims on PATH that only record their arguments, so the
// agent's own work (its files, its journal, its lock) is what a test sees.
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AgentRecord, parseAnswer } from "../../src/push/protocol.js";

export const AGENT = fileURLToPath(new URL("../../../agent/netgen-host", import.meta.url));

/** path -> content for a file, or { link } for a symlink. */
export type Tree = Record<string, string | { link: string }>;

export class ScratchHost {
  readonly root: string;
  readonly state: string;
  readonly sys: string;
  private readonly bin: string;

  constructor(readonly work = mkdtempSync(join(tmpdir(), "netgen-agent-"))) {
    mkdirSync(work, { recursive: true });
    this.root = join(work, "root");
    this.state = join(work, "state");
    this.bin = join(work, "bin");
    mkdirSync(join(this.root, "etc"), { recursive: true });
    mkdirSync(join(this.state, "releases"), { recursive: true });
    mkdirSync(this.bin);
    for (const tool of ["networkctl", "logger"]) this.shim(tool, "exit 0");
    // Timers the agent starts are remembered, listed and stopped like systemd's own.
    const units = join(work, "units");
    this.shim("systemd-run", `for a in "$@"; do case $a in --unit=*) echo "\${a#--unit=}.timer" >> "${units}" ;; esac; done`);
    this.shim("systemctl", [
      `case $1 in`,
      `  list-units) [ -f "${units}" ] && awk '{ print $1, "loaded active waiting" }' "${units}" ;;`,
      `  stop) [ -f "${units}" ] && grep -vxF -- "$2" "${units}" > "${units}.new"; mv -f "${units}.new" "${units}" 2>/dev/null ;;`,
      // A unit failStart() named does not start: systemctl says so, exits 1, and its Result tells why.
      `  restart) if [ -f "${work}/fails-$2" ]; then echo "Job for $2 failed." >&2; exit 1; fi ;;`,
      `  show) case $2 in --property=Result) cat "${work}/fails-$4" 2>/dev/null || echo success ;; --property=LoadState) echo loaded ;; esac ;;`,
      `esac`,
      `exit 0`,
    ].join("\n"));
    this.shim("ip", "exit 1"); // no network device exists on a scratch root
    // The kernel's sysctls are files under `sys`; applying a sysctl.d file writes them there.
    this.sys = join(work, "sys");
    mkdirSync(join(this.sys, "net/ipv4"), { recursive: true });
    for (const key of ["ip_forward", "fib_multipath_hash_policy"]) writeFileSync(join(this.sys, "net/ipv4", key), "0\n");
    this.shim("systemd-sysctl", `sed -n 's/^ *\\([^#=]*[^ #=]\\) *= *\\(.*\\)$/\\1 \\2/p' "$1" | while read -r k v; do printf '%s\\n' "$v" > "${this.sys}/$(echo "$k" | tr . /)"; done`);
  }

  /** Replace a shim: e.g. make `networkctl` or `systemd-run` fail as on a broken host. */
  shim(name: string, body: string): void {
    writeFileSync(join(this.bin, name), `#!/bin/sh\necho "${name} $*" >> "${this.work}/calls"\n${body}\n`);
    chmodSync(join(this.bin, name), 0o755);
  }

  /**
   * From now on `systemctl restart UNIT` fails: its own command failed (Result
   * exit-code), or it never ran because a unit it depends on failed (success).
   */
  failStart(unit: string, result: "exit-code" | "success" = "exit-code"): void {
    writeFileSync(join(this.work, `fails-${unit}`), `${result}\n`);
  }

  /** Write release `id` into the state folder, as a push's upload leaves it. */
  release(id: string, tree: Tree): void {
    const dir = join(this.state, "releases", id);
    const lines: string[] = [];
    for (const [path, entry] of Object.entries(tree).sort(([a], [b]) => (a < b ? -1 : 1))) {
      mkdirSync(dirname(join(dir, "files", path)), { recursive: true });
      if (typeof entry === "string") {
        writeFileSync(join(dir, "files", path), entry);
        lines.push(`f\t0644\t${createHash("sha256").update(entry).digest("hex")}\t${path}`);
      } else {
        symlinkSync(entry.link, join(dir, "files", path));
        lines.push(`l\t${entry.link}\t-\t${path}`);
      }
    }
    writeFileSync(join(dir, "manifest"), `${lines.join("\n")}\n`);
  }

  env(crashAt?: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, NETGEN_ROOT: this.root, NETGEN_STATE: this.state, NETGEN_SYSCTL_ROOT: this.sys, NETGEN_SYSCTL_APPLY: join(this.bin, "systemd-sysctl"), PATH: `${this.bin}:${process.env.PATH}` };
    if (crashAt) env.NETGEN_CRASH_AT = crashAt;
    else delete env.NETGEN_CRASH_AT;
    return env;
  }

  /** Run the agent in a session of its own, so a crash point kills it and its children, not us. */
  run(args: string[], crashAt?: string, extraEnv: NodeJS.ProcessEnv = {}, input?: Buffer): SpawnSyncReturns<string> {
    return spawnSync("setsid", ["sh", AGENT, ...args], { encoding: "utf8", env: { ...this.env(crashAt), ...extraEnv }, timeout: 30000, input });
  }

  /** Like run, but must succeed. */
  ok(...args: string[]): string {
    const r = this.run(args);
    if (r.status !== 0) throw new Error(`agent ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Like ok, read through the controller's protocol parser. */
  answer(...args: string[]): AgentRecord[] {
    return parseAnswer("scratch", args[0]!, this.ok(...args));
  }

  start(args: string[]): Promise<{ code: number | null; stdout: string }> {
    const child = spawn("sh", [AGENT, ...args], { env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout })));
  }

  /** Every file and link under the root, as a Tree (folders left out). */
  tree(): Tree {
    const out: Tree = {};
    const walk = (rel: string): void => {
      for (const name of readdirSync(join(this.root, rel))) {
        const path = rel ? `${rel}/${name}` : name;
        const stat = lstatSync(join(this.root, path));
        if (stat.isSymbolicLink()) out[path] = { link: readlinkSync(join(this.root, path)) };
        else if (stat.isDirectory()) walk(path);
        else out[path] = readFileSync(join(this.root, path), "utf8");
      }
    };
    walk("");
    return out;
  }

  sysctl(key: string): string {
    return readFileSync(join(this.sys, key), "utf8").trim();
  }

  link(name: "current" | "previous"): string {
    try {
      return readlinkSync(join(this.state, name)).replace(/^releases\//, "");
    } catch {
      return "none";
    }
  }

  has(name: string): boolean {
    try {
      lstatSync(join(this.state, name));
      return true;
    } catch {
      return false;
    }
  }
}
