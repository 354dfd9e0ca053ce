// One SSH connection to a managed host (node-ssh over ssh2) with the host key
// checked, timeouts, keepalives, and socket errors turned into rejections
// instead of crashes (ssh2 emits 'error' on a reset socket outside any command).
import { appendFileSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { Readable } from "node:stream";
import { NodeSSH } from "node-ssh";
import { createRequire } from "node:module";
import { ExitError } from "../errors.js";
import type { Host } from "../inventory/types.js";
import { fingerprint, hostKeyAlgorithms, keyType, type KeyPolicy, verifyHostKey } from "./host-key.js";

/** Exit 4 when a command stops on it (push and status count such hosts instead). */
export class Unreachable extends ExitError {
  constructor(message: string) {
    super(message, 4);
  }
}
export class HostKeyRefused extends ExitError {
  constructor(message: string) {
    super(message, 4);
  }
}
// ssh2 (node-ssh's transport) ships no types; its key parser is all netgen needs of it directly.
const { utils } = createRequire(import.meta.url)("ssh2") as { utils: { parseKey(text: string): unknown } };

/** A problem with the private key on this machine: the host was never asked. */
export class IdentityError extends ExitError {}

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

function expandHome(path: string): string {
  return path.startsWith("~/") ? `${homedir()}/${path.slice(2)}` : path;
}

/**
 * The host's private key, read and parsed here so that a missing, unreadable
 * or passphrase-protected file is reported as the local problem it is (ssh2
 * would fail the connection, and it would read as "unreachable").
 */
export function loadIdentity(host: Host): string | undefined {
  if (host.ssh.identity === undefined) return undefined;
  const path = expandHome(host.ssh.identity);
  const where = `hosts.${host.name}.ssh.identity ${path}`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "not readable by this user" : code === "EISDIR" ? "a folder, not a key file" : (error as Error).message;
    throw new IdentityError(`${where}: ${why}; give the path of a private key (ssh-keygen -t ed25519 -f ${path} makes one)`);
  }
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) {
    if (/passphrase/i.test(parsed.message)) {
      throw new IdentityError(`${where}: the key is protected by a passphrase, which netgen does not ask for: load it into ssh-agent (ssh-add ${path}) and drop ssh.identity so the agent is used, or use a deploy key without a passphrase`);
    }
    throw new IdentityError(`${where}: not a private key netgen can use (${parsed.message})`);
  }
  return text;
}

export async function connect(host: Host, options: ConnectOptions): Promise<Connection> {
  const address = host.ssh.host;
  if (address === undefined) throw new Unreachable(`${host.name} has no ssh.host in the inventory`);
  const privateKey = loadIdentity(host);
  if (privateKey === undefined && !process.env.SSH_AUTH_SOCK) {
    throw new IdentityError(`hosts.${host.name}.ssh has no identity and no ssh-agent is running (SSH_AUTH_SOCK is not set): give ssh.identity, the path of a private key, or start ssh-agent and ssh-add the key`);
  }
  const policy: KeyPolicy = { pinned: host.ssh.hostKey, host: address, port: host.ssh.port, acceptNew: options.acceptNew };
  // A fingerprint does not say its key type: each type the host offers is tried in turn.
  const triedTypes = new Set<string>();
  const offered: string[] = [];
  const changed = () => new HostKeyRefused(`host key CHANGED: the inventory pins ${policy.pinned}, the host offers ${offered.join(", ")}. If the host was reinstalled, update host_key: in the inventory.`);
  for (;;) {
    let attempt;
    try {
      attempt = await connectOnce(host, address, privateKey, policy, options, triedTypes);
    } catch (error) {
      // The host has no key of the types not tried yet: none matched the pin.
      if (offered.length > 0 && /no matching host key/.test((error as Error).message)) throw changed();
      throw error;
    }
    if (!("retryWithout" in attempt)) return attempt;
    triedTypes.add(attempt.retryWithout);
    offered.push(attempt.offered);
    if (hostKeyAlgorithms(policy, triedTypes).length === 0) throw changed();
  }
}

async function connectOnce(
  host: Host,
  address: string,
  privateKey: string | undefined,
  policy: KeyPolicy,
  options: ConnectOptions,
  triedTypes: ReadonlySet<string>,
): Promise<Connection | { retryWithout: string; offered: string }> {
  const ssh = new NodeSSH();
  let refusal: string | undefined;
  let mismatch: { retryWithout: string; offered: string } | undefined;
  let learnt = false;
  try {
    await ssh.connect({
      host: address,
      port: host.ssh.port,
      username: host.ssh.user,
      privateKey,
      agent: privateKey ? undefined : process.env.SSH_AUTH_SOCK,
      algorithms: { serverHostKey: hostKeyAlgorithms(policy, triedTypes) },
      readyTimeout: options.timeoutMs,
      // 30 s of silence before a connection counts as dead: a loaded LTE
      // uplink, a slow PAM session start (logind over D-Bus) or an emulated
      // test VM stall for seconds; 6 s and then 15 s lost hosts in the lab VM.
      keepaliveInterval: 10000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const verdict = verifyHostKey(key, policy);
        if (verdict.ok) learnt = verdict.learnt === true;
        else if (verdict.refusal === "changed" && policy.pinned?.startsWith("SHA256:")) mismatch = { retryWithout: keyType(key), offered: `${keyType(key)} ${fingerprint(key)}` };
        else refusal = verdict.reason;
        return verdict.ok;
      },
    });
  } catch (error) {
    ssh.dispose();
    if (mismatch) return mismatch;
    if (refusal) throw new HostKeyRefused(refusal);
    if (/authentication methods failed/.test((error as Error).message)) {
      const key = privateKey ? `the key ${host.ssh.identity}` : "the keys in ssh-agent";
      throw new Unreachable(`${address}:${host.ssh.port}: the host refused the login as ${host.ssh.user} with ${key}: is its public key in ~${host.ssh.user}/.ssh/authorized_keys there?`);
    }
    throw new Unreachable(`${address}:${host.ssh.port}: ${(error as Error).message}`);
  }
  // A reset socket after connect must not crash netgen: record it, fail the next command.
  let broken: string | undefined;
  ssh.connection?.on("error", (e: Error) => (broken = e.message));
  ssh.connection?.on("close", () => (broken ??= "connection closed"));
  return {
    host: host.name,
    learntKey: learnt,
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
    close: () => ssh.dispose(),
  };
}
