// The agent's protocol: what agent/netgen-host prints on stdout, one JSON
// object a line, each with a "type" (its `record` function writes them). This
// is the only code that reads agent output; agent.ts turns the records into
// the answers push, diff, status and rollback use. The agent's stderr is
// human text for error messages, never parsed.
import { HostFailed } from "../errors.js";

export type AgentRecord =
  // The host's releases (state, status).
  | { type: "current"; release: string }
  | { type: "previous"; release: string }
  | { type: "pending"; release: string; fallback: string }
  | { type: "interrupted"; to: string; from: string }
  | { type: "held"; release: string }
  // What push checks before writing (state).
  | { type: "networkd"; enabled: string; active: string }
  | { type: "managed"; manager: string; interface: string }
  | { type: "nft"; installed: boolean }
  | { type: "owned"; kind: "file" | "link"; path: string; expected: string; actual: string }
  // What `netgen status` shows (status).
  | { type: "drift"; path: string }
  | { type: "interface"; name: string; operational: string; setup: string }
  | { type: "bond"; name: string; active: string }
  | { type: "bond-path"; bond: string; path: string; failures: number }
  | { type: "unit"; name: string; state: string }
  /** The metrics file (status METRICS_FILE): its first bytes in base64, its whole size, its age by the host's clock. */
  | { type: "metrics"; kind: "file" | "absent"; content: string; size: number; ageSeconds: number }
  // A file as it is on the host (show): a file's content in base64, a link's target.
  | { type: "shown"; path: string; kind: "file" | "link" | "absent"; content: string }
  // The push verbs' results (arm, activate, expire, confirm, wait-activation).
  | { type: "armed"; release: string; seconds: number; fallback: string }
  | { type: "action"; text: string }
  | { type: "reboot-needed"; module: string }
  | { type: "unchanged"; release: string }
  | { type: "activated"; release: string; was: string }
  | { type: "rearmed"; release: string; seconds: number }
  | { type: "rolled-back"; release: string }
  | { type: "nothing-pending"; release: string; current: string }
  | { type: "not-active"; release: string; current: string }
  | { type: "confirmed"; release: string }
  | { type: "activation"; rc: number; endedMsAgo: number }
  | { type: "still-activating" }
  /** A line the activation wrote on stderr. */
  | { type: "log"; text: string }
  // What an activation would do (plan: push --dry-run), decided by the activation's own code.
  | { type: "device"; name: string; change: "recreate" | "delete" | "create" | "reconfigure"; why: string; settleMs: number }
  | { type: "unit-step"; unit: string; step: "stop" | "restart" | "wait"; devices: string }
  | { type: "reload"; what: "systemd" | "modules" | "sysctl" | "networkd" }
  | { type: "planned"; release: string; was: string }
  // Health (health, wait-health).
  | { type: "problem"; text: string }
  | { type: "note"; text: string }
  | { type: "settle"; ms: number }
  // The host's WireGuard key (wireguard-key): its public half only.
  | { type: "key"; outcome: "created" | "rotated" | "unchanged"; public: string };

export type RecordType = AgentRecord["type"];
export type RecordOf<T extends RecordType> = Extract<AgentRecord, { type: T }>;

type Field = "string" | "number" | "boolean" | readonly string[];
/** Every record's fields and their kinds: checked against the union above by the compiler. */
const FIELDS: { [T in RecordType]: { [K in Exclude<keyof RecordOf<T>, "type">]-?: Field } } = {
  current: { release: "string" },
  previous: { release: "string" },
  pending: { release: "string", fallback: "string" },
  interrupted: { to: "string", from: "string" },
  held: { release: "string" },
  networkd: { enabled: "string", active: "string" },
  managed: { manager: "string", interface: "string" },
  nft: { installed: "boolean" },
  owned: { kind: ["file", "link"], path: "string", expected: "string", actual: "string" },
  drift: { path: "string" },
  interface: { name: "string", operational: "string", setup: "string" },
  bond: { name: "string", active: "string" },
  "bond-path": { bond: "string", path: "string", failures: "number" },
  unit: { name: "string", state: "string" },
  metrics: { kind: ["file", "absent"], content: "string", size: "number", ageSeconds: "number" },
  shown: { path: "string", kind: ["file", "link", "absent"], content: "string" },
  armed: { release: "string", seconds: "number", fallback: "string" },
  action: { text: "string" },
  "reboot-needed": { module: "string" },
  unchanged: { release: "string" },
  activated: { release: "string", was: "string" },
  rearmed: { release: "string", seconds: "number" },
  "rolled-back": { release: "string" },
  "nothing-pending": { release: "string", current: "string" },
  "not-active": { release: "string", current: "string" },
  confirmed: { release: "string" },
  activation: { rc: "number", endedMsAgo: "number" },
  "still-activating": {},
  log: { text: "string" },
  device: { name: "string", change: ["recreate", "delete", "create", "reconfigure"], why: "string", settleMs: "number" },
  "unit-step": { unit: "string", step: ["stop", "restart", "wait"], devices: "string" },
  reload: { what: ["systemd", "modules", "sysctl", "networkd"] },
  planned: { release: "string", was: "string" },
  problem: { text: "string" },
  note: { text: "string" },
  settle: { ms: "number" },
  key: { outcome: ["created", "rotated", "unchanged"], public: "string" },
};

/** An answer from the agent that is not the protocol: a bug, or an agent of another version. */
export class ProtocolError extends HostFailed {}

/** Text from a host made safe for a terminal: control characters shown as \xNN (newlines and tabs kept). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * Every line of the agent's stdout for `verb` on `host`, as typed records.
 * A line that is not one of them stops the command with the host, the verb,
 * the line's number and the line itself (made printable, cut at 200 characters).
 */
export function parseAnswer(host: string, verb: string, stdout: string): AgentRecord[] {
  const records: AgentRecord[] = [];
  stdout.split("\n").forEach((line, index) => {
    if (line === "") return;
    const why = problemWith(line);
    if (typeof why === "string") {
      const shown = printable(line.length > 200 ? `${line.slice(0, 200)}...` : line);
      throw new ProtocolError(`${host}: the agent's answer to '${verb}' does not parse at line ${index + 1} (${why}): ${shown}\n(is the agent on the host from another netgen version? push installs this one)`);
    }
    records.push(why);
  });
  return records;
}

function problemWith(line: string): AgentRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== "string" || !Object.hasOwn(FIELDS, type)) return `unknown type ${JSON.stringify(type)}`;
  const fields: Record<string, Field> = FIELDS[type as RecordType];
  for (const key of Object.keys(record)) if (key !== "type" && !Object.hasOwn(fields, key)) return `${type} has no field ${key}`;
  for (const [key, kind] of Object.entries(fields)) {
    const v = record[key];
    const ok = Array.isArray(kind) ? kind.includes(v as string) : typeof v === kind && (kind !== "number" || Number.isSafeInteger(v));
    if (!ok) return `${type}.${key} is ${JSON.stringify(v)}, not ${Array.isArray(kind) ? kind.join(" or ") : kind === "number" ? "a whole number" : `a ${kind}`}`;
  }
  return record as AgentRecord;
}

/** The records of one type, in their order. */
export function recordsOf<T extends RecordType>(records: AgentRecord[], type: T): RecordOf<T>[] {
  return records.filter((r): r is RecordOf<T> => r.type === type);
}

/** The one record of a type (the last, should the agent repeat it), if any. */
export function recordOf<T extends RecordType>(records: AgentRecord[], type: T): RecordOf<T> | undefined {
  return recordsOf(records, type).at(-1);
}
