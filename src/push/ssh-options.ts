// Where and how to log in to a host, settled as OpenSSH users expect: what the
// inventory says for the host wins, then defaults.ssh, then ~/.ssh/config (Host
// patterns, HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump,
// HostKeyAlias), then netgen's defaults (user root, port 22). The config file
// is parsed by ssh-config (cyjake/ssh-config); Match exec is not run: netgen
// runs no command an ssh config names (nor ProxyCommand).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import SSHConfig from "ssh-config";
import { ExitError } from "../errors.js";
import type { Host } from "../inventory/types.js";

/** A private key file to offer, and where it was named (for messages). */
export interface IdentitySpec {
  path: string;
  where: string;
  /**
   * From an ssh config's IdentityFile: a key that cannot be used (missing, or
   * passphrase-protected and not in ssh-agent) is skipped, as ssh skips it; the
   * inventory's own identity must work.
   */
  optional?: boolean;
}

/** One SSH server to log in to: a managed host or a jump host on the way. */
export interface Endpoint {
  /** As written: the inventory's ssh.host, or a jump host's name in `jump:` / ProxyJump. */
  label: string;
  /** What is connected to: ssh config's HostName, else the label. */
  address: string;
  port: number;
  user: string;
  identities: IdentitySpec[];
  /** IdentitiesOnly=yes: the agent may offer only the identities' keys. */
  identitiesOnly: boolean;
  /** The name (and port) its host key is looked up under in known_hosts. */
  knownName: string;
  knownPort: number;
}

export interface SshTarget extends Endpoint {
  /** The inventory's name of the host. */
  host: string;
  /** Jump hosts, first hop first; empty for a direct connection. */
  jumps: Endpoint[];
}

export const DEFAULT_USER = "root";
export const DEFAULT_PORT = 22;

/** `--ssh-config FILE` (cli.ts sets it) or NETGEN_SSH_CONFIG, else ~/.ssh/config. */
export function sshConfigFile(): string {
  const chosen = process.env.NETGEN_SSH_CONFIG;
  return chosen !== undefined && chosen !== "" ? chosen : join(homedir(), ".ssh", "config");
}

const parsed = new Map<string, SSHConfig>();

function sshConfig(file: string): SSHConfig {
  let config = parsed.get(file);
  if (config !== undefined) return config;
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No config at all is the common case; one that was asked for must exist.
    if (code !== "ENOENT" || process.env.NETGEN_SSH_CONFIG) throw new ExitError(`ssh config ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  try {
    config = SSHConfig.parse(text);
  } catch (error) {
    throw new ExitError(`ssh config ${file}: does not parse (${(error as Error).message}); fix it, or point --ssh-config at another file`);
  }
  withoutCanonicalization(config);
  parsed.set(file, config);
  return config;
}

/**
 * ssh-config's compute() runs `nslookup` for a Host block with CanonicalizeHostname
 * yes and CanonicalDomains: netgen runs no command an ssh config leads to (and
 * connects to the name or HostName given), so those two lines are dropped.
 */
function withoutCanonicalization(config: SSHConfig): void {
  for (const line of config) {
    if (!("config" in line) || !Array.isArray(line.config)) continue;
    const block = line.config as unknown as { param?: string }[];
    for (let i = block.length - 1; i >= 0; i--) if (/^Canonical(izeHostname|Domains)$/i.test(block[i]!.param ?? "")) block.splice(i, 1);
  }
}

type Computed = Record<string, string | string[] | undefined>;

function lookup(name: string): { file: string; values: Computed } {
  const file = sshConfigFile();
  return { file, values: sshConfig(file).compute(name, { ignoreCase: true, matchExec: false }) };
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** ssh_config(5) TOKENS that make sense here: %h the name given, %% a percent sign. */
function expandTokens(value: string, name: string): string {
  return value.replace(/%([%h])/g, (_, t: string) => (t === "%" ? "%" : name));
}

export function expandHome(path: string): string {
  return path === "~" ? homedir() : path.startsWith("~/") ? `${homedir()}/${path.slice(2)}` : path;
}

function portOf(text: string | undefined, where: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ExitError(`${where}: port ${text} is not 1..65535`);
  return port;
}

interface Written {
  name: string;
  user?: string;
  port?: number;
}

/** `[user@]host[:port]` hops of a jump: setting or a ProxyJump (the schema checked the inventory's). */
export function parseJump(spec: string, where: string): Written[] {
  if (spec === "none") return [];
  return spec.split(",").map((hop) => {
    const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hop.trim());
    if (!m) throw new ExitError(`${where}: '${hop}' is not [user@]host[:port]`);
    return { name: m[2]!.replace(/^\[|\]$/g, ""), user: m[1], port: portOf(m[3], where) };
  });
}

function endpoint(written: Written, fallback: { user: string; identities: IdentitySpec[] }): Endpoint {
  const { file, values } = lookup(written.name);
  const address = expandTokens(one(values.hostname) ?? written.name, written.name);
  const port = written.port ?? portOf(one(values.port), `${file}: Port for ${written.name}`) ?? DEFAULT_PORT;
  const files = list(values.identityfile).filter((f) => f.toLowerCase() !== "none");
  const identities = files.length > 0 ? files.map((f) => ({ path: expandHome(expandTokens(f, written.name)), where: `${file}: IdentityFile for ${written.name}`, optional: true })) : fallback.identities;
  const alias = one(values.hostkeyalias);
  return {
    label: written.name,
    address,
    port,
    user: written.user ?? one(values.user) ?? fallback.user,
    identities,
    identitiesOnly: one(values.identitiesonly)?.toLowerCase() === "yes",
    // As OpenSSH: HostKeyAlias names the key alone (no port); else the HostName it connects to.
    knownName: alias ?? address,
    knownPort: alias === undefined ? port : DEFAULT_PORT,
  };
}

/**
 * Everything needed to reach `host`. Jump hosts take their own settings from
 * the ssh config (as `ssh -J` does); what it does not say for them, they take
 * from the host: its user and its identities.
 */
export function sshTarget(host: Host): SshTarget {
  const name = host.ssh.host;
  if (name === undefined) throw new ExitError(`${host.name} has no ssh.host in the inventory`);
  const inventoryIdentity = host.ssh.identity ? [{ path: expandHome(host.ssh.identity.value), where: host.ssh.identity.where }] : [];
  const target = endpoint({ name, user: host.ssh.user, port: host.ssh.port }, { user: DEFAULT_USER, identities: inventoryIdentity });
  // The inventory's identity wins over the config's IdentityFile, as its user and port do.
  if (inventoryIdentity.length > 0) target.identities = inventoryIdentity;
  const { file, values } = lookup(name);
  const proxyJump = one(values.proxyjump);
  const hops = host.ssh.jump ? parseJump(host.ssh.jump.value, host.ssh.jump.where) : proxyJump ? parseJump(proxyJump, `${file}: ProxyJump for ${name}`) : [];
  const jumps = hops.map((hop) => endpoint(hop, { user: host.ssh.user ?? DEFAULT_USER, identities: target.identities }));
  return { ...target, host: host.name, jumps };
}
