// The agent script and boot guard unit netgen installs on each host, and the
// one command that installs them (only when they differ) and reads the state.
import { readFileSync } from "node:fs";

const AGENT_DIR = new URL("../../../agent/", import.meta.url);
export const STATE_DIR = "/var/lib/netgen";
export const AGENT = `${STATE_DIR}/agent/netgen-host`;

export const agentScript = readFileSync(new URL("netgen-host", AGENT_DIR), "utf8");
const guardUnit = readFileSync(new URL("netgen-guard.service", AGENT_DIR), "utf8");

/** Install or update the agent (sent on stdin) and the guard unit, then print the host's state. */
export function bootstrapCommand(): string {
  const unit = "/etc/systemd/system/netgen-guard.service";
  return [
    "set -e",
    `mkdir -p ${STATE_DIR}/agent ${STATE_DIR}/releases`,
    `cat > ${AGENT}.new`,
    `if cmp -s ${AGENT}.new ${AGENT}; then rm -f ${AGENT}.new; else chmod 755 ${AGENT}.new && mv -f ${AGENT}.new ${AGENT}; fi`,
    `printf '%s' '${guardUnit.replace(/'/g, "'\\''")}' > ${unit}.new`,
    `if cmp -s ${unit}.new ${unit}; then rm -f ${unit}.new; else mv -f ${unit}.new ${unit}; mkdir -p /etc/systemd/system/sysinit.target.wants; ln -sfn ../netgen-guard.service /etc/systemd/system/sysinit.target.wants/netgen-guard.service; systemctl daemon-reload; fi`,
    `exec ${AGENT} state`,
  ].join("\n");
}

export interface HostState {
  current: string;
  previous: string;
  pending?: string;
  /** path -> [expected, actual] for the current release's files and links. */
  files: Map<string, { expected: string; actual: string }>;
}

export function parseState(text: string): HostState {
  const state: HostState = { current: "none", previous: "none", files: new Map() };
  for (const line of text.split("\n")) {
    const [word, ...rest] = line.split(" ");
    if (word === "current") state.current = rest[0] ?? "none";
    else if (word === "previous") state.previous = rest[0] ?? "none";
    else if (word === "pending") state.pending = rest.join(" ");
    else if ((word === "file" || word === "link") && rest.length >= 3) state.files.set(rest[0]!, { expected: rest[1]!, actual: rest.slice(2).join(" ") });
  }
  return state;
}

/** Files of the current release edited (or removed) on the host since netgen put them there. */
export function drift(state: HostState): string[] {
  return [...state.files].filter(([, f]) => f.expected !== f.actual).map(([path]) => path);
}
