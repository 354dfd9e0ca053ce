// known_hosts files read as OpenSSH reads them (sshd(8) "SSH_KNOWN_HOSTS FILE
// FORMAT"): an optional @revoked or @cert-authority marker, comma-separated
// host patterns (`*` and `?` wildcards, `!` negation, case-insensitive),
// hashed names (`|1|salt|hmac`), `[host]:port` for a port other than 22,
// then the key type and its base64 blob. The npm registry's package list
// (226,975 names, searched for "known hosts") has no parser of this format,
// so this stays small, and test/host-key.test.ts holds it to OpenSSH's client.
import { createHmac } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export type Marker = "revoked" | "cert-authority" | undefined;

export interface KnownKey {
  marker: Marker;
  type: string;
  blob: string;
  /** file:line, for messages. */
  where: string;
}

/** The user's file (learnt keys go there) then the system-wide ones, as ssh_config's defaults. */
export function knownHostsFiles(): { user: string; all: string[] } {
  const user = process.env.NETGEN_KNOWN_HOSTS ?? join(homedir(), ".ssh", "known_hosts");
  const global = process.env.NETGEN_GLOBAL_KNOWN_HOSTS?.split(":").filter((f) => f !== "") ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];
  const users = process.env.NETGEN_KNOWN_HOSTS ? [user] : [user, `${user}2`];
  return { user, all: [...users, ...global] };
}

/** The name a host is recorded under: `[host]:port` unless the port is 22, lower case as ssh does. */
export function knownHostName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** OpenSSH's match_pattern: `*` any run of characters, `?` exactly one. */
function globMatches(pattern: string, name: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "s").test(name);
}

function hashedMatches(entry: string, name: string): boolean {
  const [, , salt, hash] = entry.split("|");
  if (!salt || !hash) return false;
  return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
}

/** A line's host field against one name: a matching negated pattern rules the line out. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith("|1|")) return hashedMatches(field, name);
  let matched = false;
  for (const raw of field.split(",")) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!globMatches(pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** Every key recorded for `name` in `files`, in file order. */
export function keysFor(name: string, files: string[]): KnownKey[] {
  const keys: KnownKey[] = [];
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    readFileSync(file, "utf8").split("\n").forEach((text, index) => {
      const fields = text.trim().split(/\s+/);
      let marker: Marker;
      if (fields[0] === "@revoked" || fields[0] === "@cert-authority") marker = fields.shift()!.slice(1) as Marker;
      else if (fields[0]?.startsWith("@")) return; // an unknown marker: OpenSSH skips the line
      const [hosts, type, blob] = fields;
      if (!hosts || hosts.startsWith("#") || !type || !blob || !hostFieldMatches(hosts, name)) return;
      keys.push({ marker, type, blob, where: `${file}:${index + 1}` });
    });
  }
  return keys;
}

/** Record a learnt key, keeping a last line that had no newline whole. */
export function appendKnownHost(file: string, name: string, type: string, blob: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const separator = text === "" || text.endsWith("\n") ? "" : "\n";
  appendFileSync(file, `${separator}${name} ${type} ${blob}\n`, { mode: 0o600 });
}
