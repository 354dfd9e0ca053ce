// The agent script and boot guard unit netgen installs on each host, and the
// one place that talks to it: every command sent to the agent and every line
// it prints is built and parsed here (push, diff, status and rollback share it).
import { readFileSync } from "node:fs";
import { HostFailed } from "../errors.js";
import { KEY_PATTERN } from "../wireguard/keys.js";
import type { Connection } from "./connection.js";

const AGENT_DIR = new URL("../../../agent/", import.meta.url);
export const STATE_DIR = "/var/lib/netgen";
export const AGENT = `${STATE_DIR}/agent/netgen-host`;

export const agentScript = readFileSync(new URL("netgen-host", AGENT_DIR), "utf8");
const guardUnit = readFileSync(new URL("netgen-guard.service", AGENT_DIR), "utf8");

/** The bounds of --confirm-timeout in seconds: long enough for a slow host, short enough that commands do not time out. */
export const CONFIRM_TIMEOUT = { min: 5, max: 900 };

export const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Shell lines that install or update the agent and the guard unit (only what differs). */
export function installScript(): string {
  const unit = "/etc/systemd/system/netgen-guard.service";
  return [
    `mkdir -p ${STATE_DIR}/agent ${STATE_DIR}/releases`,
    `printf '%s' ${quote(agentScript)} > ${AGENT}.new.$$`,
    `if cmp -s ${AGENT}.new.$$ ${AGENT}; then rm -f ${AGENT}.new.$$; else chmod 755 ${AGENT}.new.$$; mv -f ${AGENT}.new.$$ ${AGENT}; fi`,
    `printf '%s' ${quote(guardUnit)} > ${unit}.new.$$`,
    `if cmp -s ${unit}.new.$$ ${unit}; then rm -f ${unit}.new.$$; else mv -f ${unit}.new.$$ ${unit}; mkdir -p /etc/systemd/system/sysinit.target.wants; ln -sfn ../netgen-guard.service /etc/systemd/system/sysinit.target.wants/netgen-guard.service; systemctl daemon-reload; fi`,
  ].join("\n");
}

/**
 * Run a read-only verb of the agent without installing anything: the script
 * goes on stdin and runs from memory, so diff, status and push --dry-run
 * leave the host exactly as they found it (also a host netgen never touched).
 */
async function readOnly(conn: Connection, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return conn.exec(`script=$(cat) && exec sh -c "$script" netgen-host ${args.map(quote).join(" ")}`, agentScript);
}

export interface HostState {
  current: string;
  previous: string;
  /** The release activated but not confirmed, and the release it falls back to. */
  pending?: { id: string; fallback: string };
  /** A switch that was cut off ("<to> <from>"): the next change on the host finishes or undoes it. */
  interrupted?: string;
  /** Release ids the host holds. */
  releases: string[];
  /** path -> [expected, actual] for the current release's files and links. */
  files: Map<string, { expected: string; actual: string }>;
  /** systemd-networkd's unit: enabled? active? */
  networkd: { enabled: string; active: string };
  /** Interfaces another network manager handles, by manager. */
  managedBy: Map<string, string[]>;
  nft: boolean;
}

function parseState(text: string): HostState {
  const state: HostState = { current: "none", previous: "none", releases: [], files: new Map(), networkd: { enabled: "", active: "" }, managedBy: new Map(), nft: false };
  for (const line of text.split("\n")) {
    const [word, ...rest] = line.split(" ");
    if (word === "current") state.current = rest[0] ?? "none";
    else if (word === "previous") state.previous = rest[0] ?? "none";
    else if (word === "pending") state.pending = { id: rest[0] ?? "", fallback: rest[1] ?? "none" };
    else if (word === "interrupted") state.interrupted = rest.join(" ");
    else if (word === "releases") state.releases = rest.filter(Boolean);
    else if (word === "networkd") state.networkd = { enabled: rest[0] ?? "", active: rest[1] ?? "" };
    else if (word === "managed-by") state.managedBy.set(rest[0] ?? "", rest.slice(1).filter(Boolean));
    else if (word === "nft") state.nft = rest[0] === "yes";
    else if ((word === "file" || word === "link") && rest.length >= 3) state.files.set(rest[0]!, { expected: rest[1]!, actual: rest.slice(2).join(" ") });
  }
  return state;
}

/** The host's state; `install` first installs or updates the agent and the guard (rollback), else nothing is written. */
export async function readState(conn: Connection, install: boolean): Promise<HostState> {
  const r = install ? await conn.exec(`set -e\n${installScript()}\nexec ${AGENT} state`) : await readOnly(conn, ["state"]);
  if (r.code !== 0) throw new HostFailed(`${install ? "could not install netgen's agent" : "could not read the host's state"}: ${r.stderr.trim() || r.stdout.trim()}`);
  return parseState(r.stdout);
}

/** Files of the current release edited (or removed) on the host since netgen put them there. */
export function drift(state: HostState): string[] {
  return [...state.files].filter(([, f]) => f.expected !== f.actual).map(([path]) => path);
}

/** The host's copy of netgen's files (a link as "link:TARGET"; absent: ""), read without changing anything. */
export async function hostFiles(conn: Connection, paths: string[]): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const r = await readOnly(conn, ["show", ...paths]);
  if (r.code !== 0) throw new HostFailed(`could not read the host's files: ${r.stderr.trim() || r.stdout.trim()}`);
  return new Map(
    r.stdout.split("\n").filter(Boolean).map((line) => {
      const [path, b64] = line.split("\t");
      return [path!, Buffer.from(b64 ?? "", "base64").toString("utf8")] as const;
    }),
  );
}

export interface HostStatus {
  release: string;
  previous: string;
  pending?: { id: string; fallback: string };
  interrupted?: string;
  drift: string[];
  links: { name: string; operational: string; setup: string }[];
  bonds: { name: string; active: string; failures: Record<string, number> }[];
  units: { name: string; state: string }[];
}

/** What `netgen status` shows, read without changing anything. */
export async function hostStatus(conn: Connection): Promise<HostStatus> {
  const r = await readOnly(conn, ["status"]);
  if (r.code !== 0) throw new HostFailed(`could not read the host's status: ${r.stderr.trim() || r.stdout.trim()}`);
  const s: HostStatus = { release: "none", previous: "none", drift: [], links: [], bonds: [], units: [] };
  for (const line of r.stdout.split("\n")) {
    const [word, ...rest] = line.split(" ");
    if (word === "current") s.release = rest[0] ?? "none";
    else if (word === "previous") s.previous = rest[0] ?? "none";
    else if (word === "pending") s.pending = { id: rest[0] ?? "", fallback: rest[1] ?? "none" };
    else if (word === "interrupted") s.interrupted = rest.join(" ");
    else if (word === "drift") s.drift.push(rest[0]!);
    else if (word === "link") s.links.push({ name: rest[0]!, operational: rest[1] ?? "", setup: rest[2] ?? "" });
    else if (word === "unit") s.units.push({ name: rest[0]!, state: rest[1] ?? "" });
    else if (word === "bond") {
      const active = /active=(\S*)/.exec(line)?.[1] ?? "";
      const failures = Object.fromEntries([...(/failures=(\S*)/.exec(line)?.[1] ?? "").matchAll(/([^:,]+):(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
      s.bonds.push({ name: rest[0]!, active, failures });
    }
  }
  return s;
}

export interface Health {
  healthy: boolean;
  /** What is not healthy yet, and notes (an uplink without carrier). */
  said: string[];
}

/**
 * The shell command a systemd unit runs to activate release `id`: the agent's
 * output to activation.log, its exit code to activation.rc, written to a temp
 * name and renamed so that a reader never sees the file empty (a plain `>`
 * creates it empty first). `seconds`: the confirmation window the host re-arms
 * when the activation ends. `agent` and `state` differ from the real ones only in tests.
 */
export function activationCommand(id: string, seconds: number, agent = AGENT, state = STATE_DIR): string {
  const rc = `${state}/activation.rc`;
  return `${agent} activate ${quote(id)} --armed ${seconds} > ${state}/activation.log 2>&1; echo $? > ${rc}.tmp && mv -f ${rc}.tmp ${rc}`;
}

/**
 * Health waited for on the host (`wait-health`): one round trip that returns once the
 * host has been healthy for the settle time it names, or with its last report after
 * `seconds`. The exec may run a little past that, hence its own timeout.
 */
export async function waitHostHealthy(conn: Connection, id: string, lonely: string[], seconds: number, timeoutMs: number): Promise<Health> {
  return parseHealth(await conn.exec(`${AGENT} wait-health ${[id, String(seconds), ...lonely].map(quote).join(" ")}`, undefined, timeoutMs));
}

function parseHealth(r: { code: number; stdout: string; stderr: string }): Health {
  const lines = r.stdout.split("\n").filter(Boolean);
  // "settle MS" lines are the host's own business (wait-health holds a healthy answer that long).
  const said = lines.filter((l) => !l.startsWith("settle "));
  if (said.length === 0 && r.code !== 0) said.push(r.stderr.trim() || `the health check exited ${r.code} without a word`);
  return { healthy: r.code === 0, said };
}

export interface HostKey {
  outcome: "created" | "rotated" | "unchanged";
  /** The host's current WireGuard public key (base64). */
  publicKey: string;
  /** What the agent said besides: a key file it removed, no systemd-network group. */
  notes: string[];
}

/**
 * The host's WireGuard key, made on the host when it has none (or anew with
 * `rotate`). The agent is installed first: this changes the host. Only the
 * public key comes back; the private key never leaves the host's key folder.
 */
export async function wireguardKey(conn: Connection, rotate: boolean): Promise<HostKey> {
  const r = await conn.exec(`set -e\n${installScript()}\nexec ${AGENT} wireguard-key${rotate ? " --rotate" : ""}`);
  const notes = r.stderr.split("\n").map((l) => l.replace(/^netgen-host: /, "").trim()).filter(Boolean);
  if (r.code !== 0) throw new HostFailed(`could not make the WireGuard key: ${notes.join("; ") || r.stdout.trim() || `the agent exited ${r.code}`}`);
  const m = /^key (created|rotated|unchanged) (\S+)$/m.exec(r.stdout);
  if (!m || !KEY_PATTERN.test(m[2]!)) throw new HostFailed(`the agent's answer holds no WireGuard public key: ${r.stdout.trim() || "(nothing)"}`);
  return { outcome: m[1] as HostKey["outcome"], publicKey: m[2]!, notes };
}

/** Text from a host made safe for a terminal: control characters shown as \xNN (newlines and tabs kept). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
