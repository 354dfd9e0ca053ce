// One SSH connection to a managed host, reached directly or through jump
// hosts (jump.ts), logged in with the identities and agent that ssh-options.ts
// and identity.ts settle, its host key checked (login.ts); timeouts,
// keepalives, and socket errors turned into rejections instead of crashes
// (ssh2 emits 'error' on a reset socket outside any command).
import { appendFileSync } from "node:fs";
import { Readable } from "node:stream";
import type { Host } from "../inventory/types.js";
import { checkIdentities } from "./identity.js";
import { openChain } from "./jump.js";
import { login, Unreachable } from "./login.js";
import { sshTarget } from "./ssh-options.js";

export { IdentityError } from "./identity.js";
export { HostKeyRefused, Unreachable } from "./login.js";

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Connection {
  /** The inventory's name of the host (what messages about its answers name). */
  readonly host: string;
  exec(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<Exec>;
  close(): void;
  learntKey: boolean;
}

export interface ConnectOptions {
  acceptNew: boolean;
  timeoutMs: number;
}

/**
 * The keys every host (and jump host) would log in with, checked before any
 * host is contacted: a missing, unreadable or passphrase-protected key is this
 * machine's problem (IdentityError, exit 5). Hosts without ssh.host are left
 * to the command, which counts them unreachable.
 */
export async function checkLocalKeys(hosts: Host[]): Promise<void> {
  for (const host of hosts) {
    if (host.ssh.host === undefined) continue;
    const target = sshTarget(host);
    for (const endpoint of [...target.jumps, target]) await checkIdentities(endpoint);
  }
}

export async function connect(host: Host, options: ConnectOptions): Promise<Connection> {
  if (host.ssh.host === undefined) throw new Unreachable(`${host.name} has no ssh.host in the inventory`);
  const target = sshTarget(host);
  const address = target.address;
  const chain = await openChain(target.jumps, target, options);
  let session;
  try {
    session = await login(target, { ...options, pinned: host.ssh.hostKey, through: chain.through });
  } catch (error) {
    chain.close();
    throw error;
  }
  const { ssh } = session;
  // A reset socket after connect must not crash netgen: record it, fail the next command.
  let broken: string | undefined;
  ssh.connection?.on("error", (e: Error) => (broken = e.message));
  ssh.connection?.on("close", () => (broken ??= "connection closed"));
  return {
    host: host.name,
    learntKey: session.learntKey,
    async exec(command, stdin, timeoutMs = 60000) {
      if (broken) throw new Unreachable(`${address}: ${broken}`);
      // NETGEN_EXEC_LOG=FILE: one line per command run on a host, to count round trips.
      if (process.env.NETGEN_EXEC_LOG) appendFileSync(process.env.NETGEN_EXEC_LOG, `${host.name}\t${(command.split("\n")[0] ?? "").slice(0, 80)}\n`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Unreachable(`${address}: no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      });
      try {
        const r = await Promise.race([ssh.execCommand(command, { stdin: Buffer.isBuffer(stdin) ? Readable.from([stdin]) : stdin }), timeout]);
        // No exit status: the connection went away under the command.
        if (r.code === null) throw new Unreachable(`${address}: connection lost during a command`);
        return { code: r.code, stdout: r.stdout, stderr: r.stderr };
      } catch (error) {
        if (error instanceof Unreachable) throw error;
        throw new Unreachable(`${address}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => {
      ssh.dispose();
      chain.close();
    },
  };
}
