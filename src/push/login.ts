// One authenticated SSH session (node-ssh over ssh2) to one endpoint, a managed
// host or a jump host, with its host key checked as OpenSSH would, over a TCP
// connection of its own or over `sock` (a channel forwarded by the hop before).
import type { Duplex } from "node:stream";
import type { NodeSSH } from "node-ssh";
import { ExitError } from "../errors.js";
import { fingerprint, hostKeyAlgorithms, keyType, type KeyPolicy, verifyHostKey } from "./host-key.js";
import { authMethods } from "./identity.js";
import type { Endpoint } from "./ssh-options.js";

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

export interface LoginOptions {
  acceptNew: boolean;
  timeoutMs: number;
  /** The inventory's host_key: (managed hosts only; a jump host is checked against known_hosts). */
  pinned?: string;
  /** Opens a channel to the endpoint through the last jump host (one per attempt). */
  through?: () => Promise<Duplex>;
}

export interface Session {
  ssh: NodeSSH;
  learntKey: boolean;
}

export async function login(endpoint: Endpoint, options: LoginOptions): Promise<Session> {
  const auth = await authMethods(endpoint);
  const policy: KeyPolicy = { pinned: options.pinned, host: endpoint.knownName, port: endpoint.knownPort, acceptNew: options.acceptNew };
  // A fingerprint does not say its key type: each type the host offers is tried in turn.
  const triedTypes = new Set<string>();
  const offered: string[] = [];
  const changed = () =>
    new HostKeyRefused(`host key CHANGED: the inventory pins ${policy.pinned}, the host offers ${offered.join(", ")}. If the host was reinstalled, update host_key: in the inventory.`);
  for (;;) {
    let attempt;
    try {
      attempt = await loginOnce(endpoint, auth, policy, options, triedTypes);
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

async function loginOnce(
  endpoint: Endpoint,
  auth: Awaited<ReturnType<typeof authMethods>>,
  policy: KeyPolicy,
  options: LoginOptions,
  triedTypes: ReadonlySet<string>,
): Promise<Session | { retryWithout: string; offered: string }> {
  // Loaded here, not at start: commands that never log in do not pay for it.
  const ssh = new (await import("node-ssh")).NodeSSH();
  let refusal: string | undefined;
  let mismatch: { retryWithout: string; offered: string } | undefined;
  let learnt = false;
  const at = `${endpoint.address}:${endpoint.port}`;
  // A channel the hop before cannot open is that hop's failure, and says so.
  const sock = options.through ? await options.through() : undefined;
  try {
    await ssh.connect({
      ...(sock ? { sock } : { host: endpoint.address, port: endpoint.port }),
      username: endpoint.user,
      authHandler: [...auth.methods],
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
    } as Parameters<NodeSSH["connect"]>[0]);
  } catch (error) {
    ssh.dispose();
    if (mismatch) return mismatch;
    if (refusal) throw new HostKeyRefused(refusal);
    if (/authentication methods failed/.test((error as Error).message)) {
      throw new Unreachable(`${at}: the host refused the login as ${endpoint.user} with ${auth.offered}: is its public key in ~${endpoint.user}/.ssh/authorized_keys there?`);
    }
    throw new Unreachable(`${at}: ${(error as Error).message}`);
  }
  return { ssh, learntKey: learnt };
}
