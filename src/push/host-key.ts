// Host keys: pinned in the inventory ("ecdsa-sha2-nistp256 AAAA..." or
// "SHA256:..."), else the known_hosts files, judged as OpenSSH judges them:
// a revoked key is refused, a changed key is refused, a key of another type
// than the known ones is refused, and --accept-new learns only a host that
// has no key at all. The known key's type is negotiated first, so a host
// pinned by its ECDSA or RSA key is not asked for its ed25519 one.
import { createHash } from "node:crypto";
import { appendKnownHost, keysFor, knownHostName, knownHostsFiles } from "./known-hosts.js";

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** The key type written inside an SSH public key blob. */
export function keyType(key: Buffer): string {
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString("latin1");
}

/** Host key algorithms by key type, in ssh2's order of preference (ssh-dss left out, as OpenSSH does). */
const ALGORITHMS: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

export type Verdict = { ok: true; learnt?: boolean } | { ok: false; refusal: "revoked" | "changed" | "other type" | "authority" | "unknown"; reason: string };

export interface KeyPolicy {
  pinned?: string;
  host: string;
  port: number;
  acceptNew: boolean;
}

/** The key types this host is known by: the pinned one, else its plain known_hosts lines. */
function knownTypes(policy: KeyPolicy): string[] {
  if (policy.pinned !== undefined) return policy.pinned.startsWith("SHA256:") ? [] : [policy.pinned.split(/\s+/)[0]!];
  const keys = keysFor(knownHostName(policy.host, policy.port), knownHostsFiles().all);
  return [...new Set(keys.filter((k) => k.marker === undefined).map((k) => k.type))];
}

/**
 * The server host key algorithms to offer: the known types first, as OpenSSH
 * orders them, then the rest (so a host that lost its known key type still
 * shows which key it offers instead of failing the key exchange). `without`
 * drops key types already seen on this host (a fingerprint pin tries each).
 */
export function hostKeyAlgorithms(policy: KeyPolicy, without: ReadonlySet<string> = new Set()): string[] {
  const order = [...knownTypes(policy), ...Object.keys(ALGORITHMS)];
  return [...new Set(order)].filter((t) => !without.has(t)).flatMap((t) => ALGORITHMS[t] ?? []);
}

export function verifyHostKey(key: Buffer, policy: KeyPolicy): Verdict {
  const type = keyType(key);
  const seen = fingerprint(key);
  const blob = key.toString("base64");
  const name = knownHostName(policy.host, policy.port);
  const files = knownHostsFiles();
  const keys = keysFor(name, files.all);
  const revoked = keys.find((k) => k.marker === "revoked" && k.blob === blob);
  if (revoked) return { ok: false, refusal: "revoked", reason: `host key REVOKED: ${name} offers ${type} ${seen}, marked @revoked in ${revoked.where}. Replace the host's key; netgen never accepts a revoked one.` };
  if (policy.pinned !== undefined) {
    const [pinnedType, pinnedBlob] = policy.pinned.split(/\s+/);
    const ok = policy.pinned.startsWith("SHA256:") ? policy.pinned === seen : pinnedType === type && pinnedBlob === blob;
    if (ok) return { ok: true };
    const pinned = policy.pinned.startsWith("SHA256:") ? policy.pinned : "another key";
    const otherType = pinnedType !== type && !policy.pinned.startsWith("SHA256:") ? ` and none of the pinned key's type, ${pinnedType}` : "";
    return { ok: false, refusal: "changed", reason: `host key CHANGED: the inventory pins ${pinned}, the host offers ${type} ${seen}${otherType}. If the host was reinstalled, update host_key: in the inventory.` };
  }
  const plain = keys.filter((k) => k.marker === undefined);
  if (plain.some((k) => k.type === type && k.blob === blob)) return { ok: true };
  const sameType = plain.find((k) => k.type === type);
  if (sameType) return { ok: false, refusal: "changed", reason: `host key CHANGED for ${name}: ${sameType.where} has another ${type} key; the host offers ${seen}. If that is expected, remove the old line (ssh-keygen -R '${name}').` };
  if (plain.length > 0) {
    const types = [...new Set(plain.map((k) => k.type))].join(", ");
    return { ok: false, refusal: "other type", reason: `host key of another type for ${name}: known as ${types} (${plain[0]!.where}), the host offers ${type} ${seen} and not the known type. If the host's keys changed, remove the old line (ssh-keygen -R '${name}'); --accept-new never replaces a known key.` };
  }
  // OpenSSH 9.2 also accepts the key when a line for the bare name (no port) holds it (measured: test/host-key.test.ts).
  if (policy.port !== 22 && keysFor(knownHostName(policy.host, 22), files.all).some((k) => k.marker === undefined && k.type === type && k.blob === blob)) return { ok: true };
  // A certificate authority vouches for host certificates, which netgen (ssh2) cannot check; as for
  // OpenSSH, a plain key of such a host is unknown, and --accept-new learns it.
  const authority = keys.find((k) => k.marker === "cert-authority");
  const unknown = `unknown host key ${type} ${seen} for ${name}: pin it as host_key: in the inventory, add it to ${files.user}, or push with --accept-new`;
  if (!policy.acceptNew) return { ok: false, refusal: "unknown", reason: authority ? `${unknown} (${authority.where} trusts a certificate authority for it, and netgen cannot check host certificates)` : unknown };
  try {
    appendKnownHost(files.user, name, type, blob);
  } catch (error) {
    return { ok: false, refusal: "unknown", reason: `unknown host key ${type} ${seen} for ${name}, and it cannot be recorded in ${files.user}: ${(error as Error).message}` };
  }
  return { ok: true, learnt: true };
}
