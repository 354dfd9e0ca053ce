// WireGuard public keys: one per host, in a committed file beside the inventory
// (inventories/<name>.keys.yaml: `hosts: { venue-7: "<base64>" }`). netgen
// writes it (`netgen keys`, which asks the hosts); render reads it. Private keys
// never leave their host: the host keeps each under a name derived from its
// public key, so a rendered .netdev names the key file its release needs, and a
// rotation (a new key file beside the old one) never breaks the release a
// rollback goes back to.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { parseDocument } from "yaml";

/** Where a host keeps its WireGuard private keys (root:systemd-network 0750; files 0640). */
export const KEY_DIR = "/var/lib/netgen/wireguard";

/** A WireGuard key: 32 bytes in base64 (44 characters, one '=' of padding). */
export const KEY_PATTERN = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** inventories/prod.yaml -> inventories/prod.keys.yaml */
export function keysFileOf(inventory: string): string {
  return join(dirname(inventory), `${basename(inventory, extname(inventory))}.keys.yaml`);
}

/**
 * The private key file on the host for `publicKey`. The agent names the files it
 * creates by the same rule (`wg-` and the first 16 hex digits of the SHA-256 of
 * the base64 text): test/wireguard-keys.test.ts checks both agree.
 */
export function privateKeyPath(publicKey: string): string {
  return `${KEY_DIR}/wg-${createHash("sha256").update(publicKey).digest("hex").slice(0, 16)}.key`;
}

export interface KeysFile {
  file: string;
  /** host -> base64 public key */
  hosts: Map<string, string>;
  /** What is wrong with the file, each with a line; empty when it reads. */
  problems: { line: number; message: string }[];
}

/** The keys file of `inventory`; a missing file reads as no keys. */
export function readKeys(inventory: string): KeysFile {
  const file = keysFileOf(inventory);
  const hosts = new Map<string, string>();
  const problems: KeysFile["problems"] = [];
  if (!existsSync(file)) return { file, hosts, problems };
  const text = readFileSync(file, "utf8");
  const doc = parseDocument(text, { prettyErrors: false });
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  for (const e of doc.errors) problems.push({ line: lineOf(e.pos[0]), message: `YAML: ${e.message.split("\n")[0]}` });
  if (problems.length > 0) return { file, hosts, problems };
  const data = doc.toJS() as unknown;
  const map = (data as { hosts?: unknown } | null)?.hosts;
  if (map === undefined || map === null || typeof map !== "object" || Array.isArray(map)) {
    problems.push({ line: 1, message: "expected `hosts:` mapping each host to its base64 public key" });
    return { file, hosts, problems };
  }
  for (const [host, key] of Object.entries(map as Record<string, unknown>)) {
    if (typeof key === "string" && KEY_PATTERN.test(key)) hosts.set(host, key);
    else problems.push({ line: lineOf(text.indexOf(`${host}:`)), message: `the key of ${host} is not a WireGuard public key (44 characters of base64)` });
  }
  return { file, hosts, problems };
}
