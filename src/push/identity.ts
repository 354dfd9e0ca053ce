// The keys a login offers: the identity files and ssh-agent together, as
// OpenSSH does. Files are read and parsed here so that a missing, unreadable
// or passphrase-protected file is reported as the local problem it is (ssh2
// would fail the connection, and it would read as "unreachable"). A file with
// a passphrase is used through the agent when the agent holds its key (its
// public half is read from FILE.pub, as ssh(1) does); IdentitiesOnly=yes
// limits the agent to the identities' keys (a filtering agent, below).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ExitError } from "../errors.js";
import type { Endpoint, IdentitySpec } from "./ssh-options.js";

/** A problem with a private key on this machine: the host was never asked (exit 5). */
export class IdentityError extends ExitError {
  constructor(message: string) {
    super(message, 5);
  }
}

interface ParsedKey {
  getPublicSSH(): Buffer;
  isPrivateKey(): boolean;
}
type AgentKeys = (error: Error | null, keys?: unknown[]) => void;
interface Ssh2 {
  utils: { parseKey(text: string | Buffer): ParsedKey | Error };
  OpenSSHAgent: new (socket: string) => { getIdentities(cb: AgentKeys): void };
}
// ssh2 (node-ssh's transport) ships no types: its key parser and agent client
// are what netgen uses of it directly. Loaded on first use: commands that never
// log in (validate, render) start without it.
let loaded: Ssh2 | undefined;
const ssh2 = (): Ssh2 => (loaded ??= createRequire(import.meta.url)("ssh2") as Ssh2);

interface Identity {
  spec: IdentitySpec;
  /** The key text when it needs no passphrase. */
  privateKey?: string;
  /** Base64 of the public key blob (from FILE.pub for a passphrase-protected file). */
  publicBlob?: string;
}

const where = (spec: IdentitySpec) => `${spec.where} ${spec.path}`;

function readIdentity(spec: IdentitySpec): Identity {
  let text: string;
  try {
    text = readFileSync(spec.path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "not readable by this user" : code === "EISDIR" ? "a folder, not a key file" : (error as Error).message;
    throw new IdentityError(`${where(spec)}: ${why}; give the path of a private key (ssh-keygen -t ed25519 -f ${spec.path} makes one)`);
  }
  const parsed = ssh2().utils.parseKey(text);
  if (!(parsed instanceof Error)) {
    if (!parsed.isPrivateKey()) throw new IdentityError(`${where(spec)}: a public key, not a private one; give the file without .pub`);
    return { spec, privateKey: text, publicBlob: parsed.getPublicSSH().toString("base64") };
  }
  if (!/passphrase/i.test(parsed.message)) throw new IdentityError(`${where(spec)}: not a private key netgen can use (${parsed.message})`);
  const encrypted = `${where(spec)}: the key is protected by a passphrase, which netgen does not ask for`;
  if (!process.env.SSH_AUTH_SOCK) throw new IdentityError(`${encrypted}, and no ssh-agent is running (SSH_AUTH_SOCK is not set): start one and ssh-add ${spec.path}, or use a deploy key without a passphrase`);
  const pub = `${spec.path}.pub`;
  const blob = existsSync(pub) ? readFileSync(pub, "utf8").trim().split(/\s+/)[1] : undefined;
  if (blob === undefined) throw new IdentityError(`${encrypted}, and without ${pub} netgen cannot tell which key of ssh-agent it is: ssh-keygen -y -f ${spec.path} > ${pub}`);
  return { spec, publicBlob: blob };
}

const blobOf = (key: unknown): string | undefined => {
  const parsed = ssh2().utils.parseKey(key as Buffer);
  return parsed instanceof Error ? undefined : parsed.getPublicSSH().toString("base64");
};

/** ssh-agent, offering only the keys `allowed` lets through. */
function filteredAgent(socket: string, allowed: (blob: string | undefined) => boolean) {
  const agent = new (ssh2().OpenSSHAgent)(socket);
  const all = agent.getIdentities.bind(agent);
  agent.getIdentities = (cb: AgentKeys) => all((error, keys) => (error ? cb(error) : cb(null, (keys ?? []).filter((k) => allowed(blobOf(k))))));
  return agent;
}

/** The public keys ssh-agent holds (base64 blobs); empty when there is no agent. */
function agentBlobs(socket: string | undefined): Promise<Set<string>> {
  if (!socket) return Promise.resolve(new Set());
  return new Promise((resolve) => {
    new (ssh2().OpenSSHAgent)(socket).getIdentities((error, keys) => resolve(new Set(error ? [] : (keys ?? []).flatMap((k) => blobOf(k) ?? []))));
  });
}

/** Checks an endpoint's keys without contacting anything but ssh-agent: throws IdentityError. */
export async function checkIdentities(endpoint: Endpoint & { host?: string }): Promise<void> {
  await authMethods(endpoint);
}

export interface AuthMethods {
  /** ssh2 authHandler entries, tried in order: identity files, then the agent. */
  methods: object[];
  /** What was offered, for a refused login. */
  offered: string;
}

export async function authMethods(endpoint: Endpoint & { host?: string }): Promise<AuthMethods> {
  const socket = process.env.SSH_AUTH_SOCK || undefined;
  const inAgent = await agentBlobs(socket);
  const usable = (i: Identity) => i.privateKey !== undefined || inAgent.has(i.publicBlob!);
  // An ssh config's unusable IdentityFile is skipped, as ssh skips it ("no such identity").
  const skipped: string[] = [];
  const identities = endpoint.identities.flatMap((spec) => {
    if (!spec.optional) return [readIdentity(spec)];
    try {
      const identity = readIdentity(spec);
      if (usable(identity)) return [identity];
      skipped.push(`${where(spec)}: passphrase-protected and not in ssh-agent`);
      return [];
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      skipped.push(error.message);
      return [];
    }
  });
  if (identities.length === 0 && socket === undefined) {
    const whose = endpoint.host === undefined ? `jump host ${endpoint.label}` : `hosts.${endpoint.host}`;
    const what = "give ssh.identity (or defaults.ssh.identity, or IdentityFile in the ssh config), the path of a private key, or start ssh-agent and ssh-add the key";
    const none = skipped.length > 0 ? `no usable identity (skipped: ${skipped.join("; ")})` : "no identity";
    throw new IdentityError(`${whose}: ${none} and no ssh-agent is running (SSH_AUTH_SOCK is not set): ${what}`);
  }
  for (const identity of identities) {
    if (!usable(identity)) {
      const what = `ssh-add ${identity.spec.path}, or use a deploy key without a passphrase`;
      throw new IdentityError(`${where(identity.spec)}: the key is protected by a passphrase, which netgen does not ask for, and ssh-agent does not hold it: ${what}`);
    }
  }
  const username = endpoint.user;
  const methods: object[] = identities.flatMap((i) => (i.privateKey === undefined ? [] : [{ type: "publickey", username, key: i.privateKey }]));
  const blobs = new Set(identities.map((i) => i.publicBlob));
  const allowed = (blob: string | undefined) => !endpoint.identitiesOnly || (blob !== undefined && blobs.has(blob));
  // A passphrase-protected identity is only usable through the agent, so the agent is asked even with IdentitiesOnly.
  if (socket !== undefined) methods.push({ type: "agent", username, agent: filteredAgent(socket, allowed) });
  const files = identities.map((i) => i.spec.path);
  const agent = socket === undefined ? [] : endpoint.identitiesOnly ? (files.length > 0 ? ["ssh-agent's copy of them"] : []) : ["the keys in ssh-agent"];
  return { methods, offered: [...files.map((f) => `the key ${f}`), ...agent].join(" and ") || "no key (IdentitiesOnly=yes and no IdentityFile)" };
}
