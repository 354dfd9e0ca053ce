// One SSH connection to a managed host (node-ssh over ssh2) with the host key
// checked, timeouts, keepalives, and socket errors turned into rejections
// instead of crashes (ssh2 emits 'error' on a reset socket outside any command).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { Readable } from "node:stream";
import { NodeSSH } from "node-ssh";
import type { Host } from "../inventory/types.js";
import { type KeyPolicy, verifyHostKey } from "./host-key.js";

export class Unreachable extends Error {}
export class HostKeyRefused extends Error {}

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Connection {
  exec(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<Exec>;
  close(): void;
  learntKey: boolean;
}

export interface ConnectOptions {
  acceptNew: boolean;
  timeoutMs: number;
}

function expandHome(path: string): string {
  return path.startsWith("~/") ? `${homedir()}/${path.slice(2)}` : path;
}

export async function connect(host: Host, options: ConnectOptions): Promise<Connection> {
  const address = host.ssh.host;
  if (address === undefined) throw new Unreachable(`${host.name} has no ssh.host in the inventory`);
  const ssh = new NodeSSH();
  const policy: KeyPolicy = { pinned: host.ssh.hostKey, host: address, port: host.ssh.port, acceptNew: options.acceptNew };
  let refusal: string | undefined;
  let learnt = false;
  try {
    await ssh.connect({
      host: address,
      port: host.ssh.port,
      username: host.ssh.user,
      privateKey: host.ssh.identity ? readFileSync(expandHome(host.ssh.identity), "utf8") : undefined,
      agent: host.ssh.identity ? undefined : process.env.SSH_AUTH_SOCK,
      readyTimeout: options.timeoutMs,
      // 30 s of silence before a connection counts as dead: a loaded LTE
      // uplink, a slow PAM session start (logind over D-Bus) or an emulated
      // test VM stall for seconds; 6 s and then 15 s lost hosts in the lab VM.
      keepaliveInterval: 10000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const verdict = verifyHostKey(key, policy);
        if (!verdict.ok) refusal = verdict.reason;
        else learnt = verdict.learnt === true;
        return verdict.ok;
      },
    });
  } catch (error) {
    ssh.dispose();
    if (refusal) throw new HostKeyRefused(refusal);
    throw new Unreachable(`${address}:${host.ssh.port}: ${(error as Error).message}`);
  }
  // A reset socket after connect must not crash netgen: record it, fail the next command.
  let broken: string | undefined;
  ssh.connection?.on("error", (e: Error) => (broken = e.message));
  ssh.connection?.on("close", () => (broken ??= "connection closed"));
  return {
    learntKey: learnt,
    async exec(command, stdin, timeoutMs = 60000) {
      if (broken) throw new Unreachable(`${address}: ${broken}`);
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
    close: () => ssh.dispose(),
  };
}
