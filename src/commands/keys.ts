// netgen keys INVENTORY [--rotate HOST...] [--limit HOSTS] [--json]: each host makes its
// own WireGuard key pair (or a new one with --rotate) and says its public key;
// netgen records the public keys in inventories/<name>.keys.yaml for render.
// The private keys never leave the hosts.
import { existsSync, readFileSync } from "node:fs";
import { ExitError, HostFailed } from "../errors.js";
import type { Host, Inventory } from "../inventory/types.js";
import { limitHosts, validateFile } from "../pipeline/pipeline.js";
import { printable, wireguardKey, type HostKey } from "../push/agent.js";
import { checkLocalKeys, connect, HostKeyRefused, Unreachable } from "../push/connection.js";
import { pool } from "../push/fleet.js";
import { hostsNeedingKeys } from "../wireguard/key-hosts.js";
import { keysText, writeKeysFile } from "../wireguard/keys-file.js";
import { readKeys } from "../wireguard/keys.js";

/** Hosts asked at once. */
const FORKS = 10;

interface Answer {
  host: string;
  key?: HostKey;
  /** "unreachable" or "failed", with why. */
  problem?: { kind: "unreachable" | "failed"; message: string };
}

export async function keys(args: { inventory: string; rotate: string[]; limit?: string; acceptNew: boolean; json?: boolean }, print: (line: string) => void): Promise<number> {
  const inventory = validateFile(args.inventory);
  const recorded = readKeys(args.inventory);
  if (recorded.problems.length > 0) {
    const where = recorded.problems.map((p) => `${recorded.file}:${p.line}: ${p.message}`).join("\n");
    const why = "netgen keys keeps the keys of the hosts it does not ask, so it does not overwrite a file it cannot read";
    throw new ExitError(`${where}\n${why}: fix or remove it, then run netgen keys again`);
  }
  const hosts = selectHosts(inventory, limitHosts(inventory, args.limit), args.rotate, args.inventory);
  // A missing or passphrase-protected login key is this machine's problem: said before any host is asked.
  await checkLocalKeys(hosts);

  const answers = await pool(hosts, FORKS, (host) => ask(host, args.rotate.includes(host.name), args.acceptNew));
  const next = new Map(recorded.hosts);
  for (const a of answers) if (a.key) next.set(a.host, a.key.publicKey);
  const before = existsSync(recorded.file) ? readFileSync(recorded.file, "utf8") : undefined;
  const text = keysText(args.inventory, next);
  // With no answer there is nothing new to record: the file stays as it is, byte for byte (or absent).
  const answered = answers.some((a) => a.key);
  const written = answered && text !== before;
  if (!args.json) for (const a of answers) for (const line of describe(a, recorded.hosts.get(a.host))) print(printable(line));
  if (!written) {
    if (!args.json) print(`${recorded.file}: unchanged${answered ? "" : " (no host answered)"}`);
  } else {
    try {
      writeKeysFile(args.inventory, text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      const again = `run netgen keys ${args.inventory} again (without --rotate) once it can be written`;
      throw new ExitError(`could not write ${recorded.file} (${code}): the hosts keep their keys; ${again}`);
    }
    if (!args.json) print(`${recorded.file}: written (${next.size} host${next.size === 1 ? "" : "s"})`);
  }
  const code = answers.some((a) => a.problem?.kind === "unreachable") ? 4 : answers.some((a) => a.problem?.kind === "failed") ? 2 : 0;
  if (args.json) {
    const hosts = answers.map((a) => ({ host: a.host, ...keyJson(a, recorded.hosts.get(a.host)) }));
    print(JSON.stringify({ inventory: args.inventory, keysFile: recorded.file, written, hosts, exitCode: code }, null, 2));
  }
  return code;
}

/** One host in `keys --json`: its key (and the one the keys file had, when it differs), or its problem. */
function keyJson(a: Answer, recorded: string | undefined): object {
  if (a.problem) return { outcome: a.problem.kind, error: a.problem.message };
  const key = a.key!;
  return { outcome: key.outcome, publicKey: key.publicKey, ...(recorded !== undefined && recorded !== key.publicKey ? { recorded } : {}), notes: key.notes };
}

/** The hosts to ask: those needing a key, within --limit; every --rotate name must be one of them. */
function selectHosts(inventory: Inventory, only: Set<string> | undefined, rotate: string[], file: string): Host[] {
  const needing = hostsNeedingKeys(inventory);
  const hosts = needing.filter((h) => only === undefined || only.has(h.name));
  for (const name of rotate) {
    if (hosts.some((h) => h.name === name)) continue;
    const why = needing.some((h) => h.name === name)
      ? "--limit leaves it out"
      : inventory.hosts.some((h) => h.name === name) ? "it is at no end of a wireguard bundle" : "no such host";
    throw new ExitError(`--rotate ${name}: not a host netgen keys asks in ${file} (${why}); it asks: ${hosts.map((h) => h.name).join(", ") || "none"}`);
  }
  if (hosts.length === 0) throw new ExitError(`no host of ${file} to ask for a WireGuard key${only ? " within --limit" : ""}`);
  return hosts;
}

async function ask(host: Host, rotate: boolean, acceptNew: boolean): Promise<Answer> {
  let conn;
  try {
    conn = await connect(host, { acceptNew, timeoutMs: 10000 });
    return { host: host.name, key: await wireguardKey(conn, rotate) };
  } catch (error) {
    if (error instanceof Unreachable || error instanceof HostKeyRefused) return { host: host.name, problem: { kind: "unreachable", message: (error as Error).message } };
    if (error instanceof HostFailed) return { host: host.name, problem: { kind: "failed", message: error.message } };
    throw error;
  } finally {
    conn?.close();
  }
}

function describe(a: Answer, recorded: string | undefined): string[] {
  if (a.problem) return [`${a.host}: ${a.problem.kind}: ${a.problem.message}`];
  const key = a.key!;
  const stale = key.outcome === "unchanged" && recorded !== undefined && recorded !== key.publicKey ? ` (the keys file had ${recorded}: updated)` : "";
  const was = key.outcome === "rotated" && recorded !== undefined ? ` (was ${recorded})` : "";
  return [`${a.host}: ${key.outcome} ${key.publicKey}${stale}${was}`, ...key.notes.map((n) => `  ${n}`)];
}
