// The agent script and boot guard unit netgen installs on each host, and the
// one place that talks to it: every command sent to the agent is built here,
// and its answers (records, see protocol.ts) turned into what push, diff,
// status and rollback use.
import { readFileSync } from "node:fs";
import { HostFailed } from "../errors.js";
import { AGENT_DIR } from "../project-files.js";
import { KEY_PATTERN } from "../wireguard/keys.js";
import type { Connection } from "./connection.js";
import { type AgentRecord, parseAnswer, type RecordOf, recordOf, recordsOf } from "./protocol.js";

export { printable } from "./protocol.js";

export const STATE_DIR = "/var/lib/netgen";
export const AGENT = `${STATE_DIR}/agent/netgen-host`;

export const agentScript = readFileSync(new URL("netgen-host", AGENT_DIR), "utf8");
const guardUnit = readFileSync(new URL("netgen-guard.service", AGENT_DIR), "utf8");

/** The bounds of --confirm-timeout in seconds: long enough for a slow host, short enough that commands do not time out. */
export const CONFIRM_TIMEOUT = { min: 5, max: 900 };

export const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * Shell lines that install or update the agent and the guard unit (only what differs).
 * The guard runs only at boot, when systemd reads it from disk: the reload after a new
 * guard only keeps the running systemd's view in step. `reload: false` leaves it to the
 * activation that follows, when that reloads systemd anyway (its release changes units):
 * a daemon-reload costs a host about 0.1 s of CPU (measured in an nspawn container).
 */
export function installScript(options: { reload?: boolean } = {}): string {
  const unit = "/etc/systemd/system/netgen-guard.service";
  const reload = options.reload === false ? "" : "; systemctl daemon-reload";
  return [
    `mkdir -p ${STATE_DIR}/agent ${STATE_DIR}/releases`,
    `printf '%s' ${quote(agentScript)} > ${AGENT}.new.$$`,
    `if cmp -s ${AGENT}.new.$$ ${AGENT}; then rm -f ${AGENT}.new.$$; else chmod 755 ${AGENT}.new.$$; mv -f ${AGENT}.new.$$ ${AGENT}; fi`,
    `printf '%s' ${quote(guardUnit)} > ${unit}.new.$$`,
    `if cmp -s ${unit}.new.$$ ${unit}; then rm -f ${unit}.new.$$; else mv -f ${unit}.new.$$ ${unit}; mkdir -p /etc/systemd/system/sysinit.target.wants; ln -sfn ../netgen-guard.service /etc/systemd/system/sysinit.target.wants/netgen-guard.service${reload}; fi`,
  ].join("\n");
}

/** Run a verb of the installed agent and parse its answer (the exit code and stderr stay the caller's). */
async function run(conn: Connection, args: string[], timeoutMs?: number): Promise<Answer> {
  const r = await conn.exec(`${AGENT} ${args.map(quote).join(" ")}`, undefined, timeoutMs);
  return { ...r, records: parseAnswer(conn.host, args[0]!, r.stdout) };
}

/**
 * Run a read-only verb of the agent without installing anything: the script
 * goes on stdin and runs from memory, so diff, status and push --dry-run
 * leave the host exactly as they found it (also a host netgen never touched).
 */
async function readOnly(conn: Connection, args: string[]): Promise<Answer> {
  const r = await conn.exec(`script=$(cat) && exec sh -c "$script" netgen-host ${args.map(quote).join(" ")}`, agentScript);
  return { ...r, records: r.code === 0 ? parseAnswer(conn.host, args[0]!, r.stdout) : [] };
}

/**
 * What activating release `id` would do, decided by the agent's own activation
 * code (verb plan) and done nothing: the script runs from memory and reads the
 * release (a tar of its manifest and the files that change) from stdin.
 */
export async function planActivation(conn: Connection, id: string, release: Buffer): Promise<AgentRecord[]> {
  const r = await conn.exec(`exec sh -c ${quote(agentScript)} netgen-host plan ${quote(id)}`, release);
  if (r.code !== 0) throw new HostFailed(`could not plan the activation: ${r.stderr.trim() || r.stdout.trim()}`);
  return parseAnswer(conn.host, "plan", r.stdout);
}

interface Answer {
  code: number;
  stdout: string;
  stderr: string;
  records: AgentRecord[];
}

/** What the agent said when a verb failed: its stderr, else its exit code. */
const said = (r: Answer) => r.stderr.trim() || `exit ${r.code}`;

/** Where the host's releases stand: what `state` and `status` both report. */
export interface Releases {
  current: string;
  previous: string;
  /** The release activated but not confirmed, and the release it falls back to. */
  pending?: { id: string; fallback: string };
  /** A switch that was cut off ("<to> <from>"): the next change on the host finishes or undoes it. */
  interrupted?: string;
}

function releases(records: AgentRecord[]): Releases {
  const pending = recordOf(records, "pending");
  const interrupted = recordOf(records, "interrupted");
  return {
    current: recordOf(records, "current")?.release ?? "none",
    previous: recordOf(records, "previous")?.release ?? "none",
    ...(pending ? { pending: { id: pending.release, fallback: pending.fallback } } : {}),
    ...(interrupted ? { interrupted: `${interrupted.to} ${interrupted.from}` } : {}),
  };
}

export interface HostState extends Releases {
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

/** The host's state; `install` first installs or updates the agent and the guard (rollback), else nothing is written. */
export async function readState(conn: Connection, install: boolean): Promise<HostState> {
  const r = install ? await conn.exec(`set -e\n${installScript()}\nexec ${AGENT} state`) : await readOnly(conn, ["state"]);
  if (r.code !== 0) throw new HostFailed(`${install ? "could not install netgen's agent" : "could not read the host's state"}: ${r.stderr.trim() || r.stdout.trim()}`);
  const records = parseAnswer(conn.host, "state", r.stdout);
  const managedBy = new Map<string, string[]>();
  for (const m of recordsOf(records, "managed")) managedBy.set(m.manager, [...(managedBy.get(m.manager) ?? []), m.interface]);
  return {
    ...releases(records),
    releases: recordsOf(records, "held").map((h) => h.release),
    files: new Map(recordsOf(records, "owned").map((f) => [f.path, { expected: f.expected, actual: f.actual }])),
    networkd: recordOf(records, "networkd") ?? { enabled: "", active: "" },
    managedBy,
    nft: recordOf(records, "nft")?.installed ?? false,
  };
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
  const text = (s: RecordOf<"shown">) => (s.kind === "file" ? Buffer.from(s.content, "base64").toString("utf8") : s.kind === "link" ? `link:${s.content}` : "");
  return new Map(recordsOf(r.records, "shown").map((s) => [s.path, text(s)]));
}

export interface HostStatus extends Omit<Releases, "current"> {
  release: string;
  drift: string[];
  links: { name: string; operational: string; setup: string }[];
  bonds: { name: string; active: string; failures: Record<string, number> }[];
  units: { name: string; state: string }[];
  /** The metrics file when asked for: its text (the first 256 KiB), whole size and age; absent: not there. */
  metricsFile?: { text: string; size: number; ageSeconds: number } | "absent";
}

/** What `netgen status` shows, read without changing anything; with `metricsFile`, that file too. */
export async function hostStatus(conn: Connection, metricsFile?: string): Promise<HostStatus> {
  const r = await readOnly(conn, metricsFile === undefined ? ["status"] : ["status", metricsFile]);
  if (r.code !== 0) throw new HostFailed(`could not read the host's status: ${r.stderr.trim() || r.stdout.trim()}`);
  const paths = recordsOf(r.records, "bond-path");
  const { current, ...rest } = releases(r.records);
  return {
    release: current,
    ...rest,
    drift: recordsOf(r.records, "drift").map((d) => d.path),
    links: recordsOf(r.records, "interface").map(({ name, operational, setup }) => ({ name, operational, setup })),
    bonds: recordsOf(r.records, "bond").map((b) => ({
      name: b.name,
      active: b.active,
      failures: Object.fromEntries(paths.filter((p) => p.bond === b.name).map((p) => [p.path, p.failures])),
    })),
    units: recordsOf(r.records, "unit").map(({ name, state }) => ({ name, state })),
    ...metricsOf(recordOf(r.records, "metrics")),
  };
}

function metricsOf(m: RecordOf<"metrics"> | undefined): Pick<HostStatus, "metricsFile"> {
  if (m === undefined) return {};
  if (m.kind === "absent") return { metricsFile: "absent" };
  return { metricsFile: { text: Buffer.from(m.content, "base64").toString("utf8"), size: m.size, ageSeconds: m.ageSeconds } };
}

/**
 * The shell command a systemd unit runs to activate release `id`: the agent's
 * records to activation.log, its stderr to activation.err, its exit code to
 * activation.rc, written to a temp name and renamed so that a reader never sees
 * the file empty (a plain `>` creates it empty first). `seconds`: the confirmation
 * window the host re-arms when the activation ends. `agent` and `state` differ
 * from the real ones only in tests.
 */
export function activationCommand(id: string, seconds: number, agent = AGENT, state = STATE_DIR): string {
  const rc = `${state}/activation.rc`;
  return `${agent} activate ${quote(id)} --armed ${seconds} > ${state}/activation.log 2> ${state}/activation.err; echo $? > ${rc}.tmp && mv -f ${rc}.tmp ${rc}`;
}

/** The exit code of the start command when arming the rollback failed (nothing was started). */
const ARM_FAILED = 97;

/**
 * One round trip: arm the host's own rollback of `id` after `seconds`, and only
 * if that worked, start the activation as a systemd unit of its own (named with
 * `tag`), so that a dropped SSH session cannot interrupt it.
 */
export async function armAndActivate(conn: Connection, id: string, seconds: number, tag: string): Promise<void> {
  const start = await conn.exec(
    [
      `${AGENT} arm ${quote(id)} ${seconds} || exit ${ARM_FAILED}`,
      `rm -f ${STATE_DIR}/activation.rc && systemd-run --quiet --collect --unit=netgen-activate-${tag} sh -c ${quote(activationCommand(id, seconds))}`,
    ].join("\n"),
  );
  if (start.code === ARM_FAILED) throw new Error(`could not arm the rollback timer: ${(start.stderr || start.stdout).trim()}`);
  if (start.code !== 0) throw new Error(`could not start the activation: ${(start.stderr || start.stdout).trim()}`);
  parseAnswer(conn.host, "arm", start.stdout);
}

export interface Activation {
  ok: boolean;
  /** How long before the answer the activation ended. */
  endedMsAgo: number;
  /** The host re-armed the full confirmation window when the activation ended. */
  rearmed: boolean;
  /** What it did, and what it said on stderr, one sentence each. */
  actions: string[];
  /** Why a reboot is needed (a loaded module whose new options apply at the next boot). */
  rebootNeeded: string[];
}

/**
 * The end of the activation started by armAndActivate, waited for on the host
 * (one round trip, not one per poll); undefined while it still runs after `seconds`.
 */
export async function waitActivation(conn: Connection, seconds: number, timeoutMs: number): Promise<Activation | undefined> {
  const r = await run(conn, ["wait-activation", String(seconds)], timeoutMs);
  const end = recordOf(r.records, "activation");
  if (r.code !== 0 || end === undefined) return undefined;
  return {
    ok: end.rc === 0,
    endedMsAgo: end.endedMsAgo,
    rearmed: recordOf(r.records, "rearmed") !== undefined,
    actions: r.records.flatMap(describeStep),
    rebootNeeded: recordsOf(r.records, "reboot-needed").map((m) => `module ${m.module} is loaded; its new options apply at the next boot`),
  };
}

/** One step of an activation or rollback as a sentence (the steps push lists per host). */
function describeStep(r: AgentRecord): string[] {
  switch (r.type) {
    case "action":
    case "log":
      return [r.text];
    case "unchanged":
      return [`unchanged ${r.release}`];
    case "activated":
      return [`activated ${r.release} (was ${r.was})`];
    case "rolled-back":
      return [`rolled back to ${r.release}`];
    case "nothing-pending":
      return [`nothing pending for ${r.release} (current ${r.current})`];
    default:
      return [];
  }
}

/** Confirm release `id`: undefined when confirmed, else why not. */
export async function confirm(conn: Connection, id: string, timeoutMs: number): Promise<string | undefined> {
  const r = await run(conn, ["confirm", id], timeoutMs);
  if (r.code === 0 && recordOf(r.records, "confirmed")?.release === id) return undefined;
  const pending = recordOf(r.records, "nothing-pending");
  const inactive = recordOf(r.records, "not-active");
  if (pending) return `nothing pending for ${id} (current ${pending.current})`;
  if (inactive) return `release ${id} is not active (current ${inactive.current})`;
  return said(r);
}

/** Roll the pending release `id` back now; what the agent said (the host's state afterwards tells the outcome). */
export async function expire(conn: Connection, id: string): Promise<{ code: number; said: string }> {
  const r = await run(conn, ["expire", id]);
  return { code: r.code, said: r.code === 0 ? r.records.flatMap(describeStep).join("; ") : said(r) };
}

export interface Health {
  healthy: boolean;
  /** What is not healthy yet, and notes (an uplink without carrier). */
  said: string[];
}

/**
 * Health waited for on the host (`wait-health`): one round trip that returns once the
 * host has been healthy for the settle time it names, or with its last report after
 * `seconds`. The exec may run a little past that, hence its own timeout.
 */
export async function waitHostHealthy(conn: Connection, id: string, lonely: string[], seconds: number, timeoutMs: number): Promise<Health> {
  const r = await run(conn, ["wait-health", id, String(seconds), ...lonely], timeoutMs);
  // "settle" records are the host's own business (wait-health holds a healthy answer that long).
  const report = r.records.flatMap((x) => (x.type === "problem" ? [x.text] : x.type === "note" ? [`note: ${x.text}`] : []));
  if (report.length === 0 && r.code !== 0) report.push(r.stderr.trim() || `the health check exited ${r.code} without a word`);
  return { healthy: r.code === 0, said: report };
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
  if (r.code !== 0) throw new HostFailed(`could not make the WireGuard key: ${notes.join("; ") || `the agent exited ${r.code}`}`);
  const key = recordOf(parseAnswer(conn.host, "wireguard-key", r.stdout), "key");
  if (!key || !KEY_PATTERN.test(key.public)) throw new HostFailed(`the agent's answer holds no WireGuard public key: ${r.stdout.trim() || "(nothing)"}`);
  return { outcome: key.outcome, publicKey: key.public, notes };
}
