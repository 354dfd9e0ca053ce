// Host keys: pinned in the inventory ("ssh-ed25519 AAAA..." or "SHA256:..."),
// else ~/.ssh/known_hosts (plain or hashed entries). An unknown or changed key
// is refused with its fingerprint; --accept-new learns an unknown one.
import { createHash, createHmac } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** The key type written inside an SSH public key blob. */
export function keyType(key: Buffer): string {
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString("latin1");
}

export function knownHostsFile(): string {
  return process.env.NETGEN_KNOWN_HOSTS ?? join(homedir(), ".ssh", "known_hosts");
}

function hostPatterns(host: string, port: number): string[] {
  return port === 22 ? [host] : [`[${host}]:${port}`];
}

function matches(field: string, names: string[]): boolean {
  return field.split(",").some((pattern) => {
    if (pattern.startsWith("|1|")) {
      const [, , salt, hash] = pattern.split("|");
      return names.some((n) => createHmac("sha1", Buffer.from(salt ?? "", "base64")).update(n).digest("base64") === hash);
    }
    return names.includes(pattern);
  });
}

export type Verdict = { ok: true; learnt?: boolean } | { ok: false; reason: string };

export interface KeyPolicy {
  pinned?: string;
  host: string;
  port: number;
  acceptNew: boolean;
}

export function verifyHostKey(key: Buffer, policy: KeyPolicy): Verdict {
  const seen = fingerprint(key);
  const blob = key.toString("base64");
  if (policy.pinned) {
    const ok = policy.pinned.startsWith("SHA256:") ? policy.pinned === seen : policy.pinned.split(" ")[1] === blob;
    return ok ? { ok: true } : { ok: false, reason: `host key CHANGED: the inventory pins ${policy.pinned.startsWith("SHA256:") ? policy.pinned : "another key"}, the host offers ${keyType(key)} ${seen}. If the host was reinstalled, update host_key: in the inventory.` };
  }
  const names = hostPatterns(policy.host, policy.port);
  const file = knownHostsFile();
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
  let known = false;
  for (const line of lines) {
    const [hosts, type, data] = line.trim().split(/\s+/);
    if (!hosts || hosts.startsWith("#") || !type || !data || !matches(hosts, names)) continue;
    if (type !== keyType(key)) continue;
    if (data === blob) return { ok: true };
    known = true;
  }
  if (known) return { ok: false, reason: `host key CHANGED for ${names[0]}: ${file} has another ${keyType(key)} key; the host offers ${seen}. If that is expected, remove the old line (ssh-keygen -R ${names[0]}).` };
  if (!policy.acceptNew) return { ok: false, reason: `unknown host key ${keyType(key)} ${seen} for ${names[0]}: pin it as host_key: in the inventory, add it to ${file}, or push with --accept-new` };
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${names[0]} ${keyType(key)} ${blob}\n`, { mode: 0o600 });
  return { ok: true, learnt: true };
}
