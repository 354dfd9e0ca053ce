// The real systemd-networkd of this machine, run inside a network namespace over a
// rendered folder (lab hosts and tests) (see shared/docs/testing-on-these-machines.md):
// a private mount namespace, /sys read-only (else networkd waits for udev
// forever), a tmpfs /run/systemd, the folder bind-mounted over
// /etc/systemd/network.
import type { ChildProcess } from "node:child_process";
import { KEY_DIR } from "../wireguard/keys.js";
import { startInNs } from "./namespaces.js";

export const NETWORKD = "/lib/systemd/systemd-networkd";

export interface Networkd {
  log(): string;
  stop(): Promise<string>;
}

/**
 * `machineId`: a file bind-mounted over /etc/machine-id. Namespace hosts that
 * share one machine-id get the same MAC for same-named virtual devices.
 * `wireguardKeys`: a folder this host's networkd sees as its WireGuard key
 * folder (KEY_DIR), so each lab host reads its own private key there.
 */
export function startNetworkd(ns: string, networkDir: string, machineId?: string, wireguardKeys?: string): Networkd {
  const script = [
    "set -e",
    "mount -o remount,ro /sys",
    "mkdir -p /run/systemd",
    "mount -t tmpfs tmpfs /run/systemd",
    "mkdir -p /run/systemd/netif",
    "chown systemd-network:systemd-network /run/systemd/netif",
    `mount --bind '${networkDir}' /etc/systemd/network`,
    machineId ? `mount --bind '${machineId}' /etc/machine-id` : "",
    wireguardKeys ? `mkdir -p ${KEY_DIR} && mount --bind '${wireguardKeys}' ${KEY_DIR}` : "",
    `exec ${NETWORKD}`,
  ].filter(Boolean).join("\n");
  const child: ChildProcess = startInNs(ns, "unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
    env: { ...process.env, SYSTEMD_LOG_TARGET: "console", SYSTEMD_LOG_LEVEL: "info", SYSTEMD_LOG_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    log: () => output,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
      return output;
    },
  };
}

/**
 * Lines in which networkd complains about a file it read: it names the file
 * first ("/etc/systemd/network/x.network:12: Unknown key ...", or without a
 * line number for a whole section it drops). Runtime notices about a link
 * ("bond0: Cannot set IPv6 proxy NDP, ignoring") are not parse warnings.
 */
export function parseWarnings(log: string): string[] {
  return log.split("\n").filter((line) => line.startsWith("/etc/systemd/network/"));
}

/** Wait until networkd has read its configuration (its parse warnings come before this line). */
export async function enumerated(networkd: Networkd, timeoutMs = 10000): Promise<void> {
  await waitFor("networkd to read its configuration", () => /Enumeration completed/.test(networkd.log()) || undefined, timeoutMs);
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
