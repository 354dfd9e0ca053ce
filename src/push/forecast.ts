// push --dry-run's forecast of disruption: what the host's agent says its
// activation would do (verb plan: the activation's own decisions, see
// agent/netgen-host `forecast`), and what that means for each bundle of the
// host, whose devices come from the inventory by the names the planner gives them.
import type { Inventory } from "../inventory/types.js";
import { ifbName, teqlDevice, tunnelName, wireguardLinkName } from "../plan/names.js";
import { bondsTunnels } from "../plan/devices.js";
import { type AgentRecord, type RecordOf, recordsOf } from "./protocol.js";

export type DeviceChange = Omit<RecordOf<"device">, "type" | "settleMs"> & {
  /** A bond's ARP monitor judges its paths this long after it comes up (health waits as long). */
  settleMs?: number;
};

export interface BundleForecast {
  bundle: string;
  /** Traffic through the bundle stops for a while: a device on its path recreated or an uplink reconfigured. */
  pauses: boolean;
  /** Why, one phrase a device. */
  because: string[];
  /** How long after the recreated bond is up its paths are judged, where the files say (ARP monitor). */
  settleMs?: number;
}

export interface Forecast {
  devices: DeviceChange[];
  /** Units stopped, restarted now, or started by their device unit once the devices appear. */
  units: { unit: string; step: "stop" | "restart" | "wait"; devices: string[] }[];
  /** What is reloaded: systemd, modules (modules-load), sysctl, networkd. */
  reloads: string[];
  /** Loaded modules whose new options apply only after a reboot. */
  rebootNeeded: string[];
  bundles: BundleForecast[];
}

export interface BundleDevices {
  devices: Set<string>;
  uplinks: Set<string>;
  /**
   * Name prefixes of devices the bundle may have had before this release: a path
   * removed or renamed takes its tunnel (<bundle>-...) and WireGuard link (wg...)
   * with it, and the new inventory no longer names them. Deleting one may take
   * the bundle's active path: counted as a pause (over-counting a WireGuard link
   * of another bundle on the host is the safe side).
   */
  formerPrefixes: string[];
}

/** Per bundle of `host`: the devices on its paths (aggregate, tunnels, WireGuard links) and its uplinks. */
export function bundleDevices(inventory: Inventory, host: string): Map<string, BundleDevices> {
  const out = new Map<string, BundleDevices>();
  for (const bundle of inventory.bundles.filter((b) => b.ends.some((e) => e.host === host))) {
    const devices = new Set<string>();
    if (bondsTunnels(bundle.strategy)) devices.add(bundle.name);
    if (bundle.strategy === "teql") devices.add(teqlDevice(inventory, host, bundle.name));
    const uplinks = new Set<string>();
    for (const path of bundle.paths) {
      devices.add(tunnelName(bundle.name, path));
      if (bundle.transport === "wireguard") devices.add(wireguardLinkName(bundle, path));
      const uplink = path.uplinks.get(host);
      if (uplink !== undefined) uplinks.add(uplink);
    }
    out.set(bundle.name, { devices, uplinks, formerPrefixes: [`${bundle.name}-`, ...(bundle.transport === "wireguard" ? ["wg"] : [])] });
  }
  return out;
}

const DISRUPTIVE = new Set(["recreate", "delete", "reconfigure"]);
const PAST = { recreate: "recreated", delete: "deleted", create: "created", reconfigure: "reconfigured" } as const;

export function forecastOf(records: AgentRecord[], bundles: Map<string, BundleDevices>): Forecast {
  const devices = recordsOf(records, "device").map(({ name, change, why, settleMs }): DeviceChange => ({ name, change, why, ...(settleMs > 0 ? { settleMs } : {}) }));
  return {
    devices,
    units: recordsOf(records, "unit-step").map((u) => ({ unit: u.unit, step: u.step, devices: u.devices.split(" ").filter(Boolean) })),
    reloads: recordsOf(records, "reload").map((r) => r.what),
    rebootNeeded: recordsOf(records, "reboot-needed").map((m) => m.module),
    bundles: [...bundles].map(([bundle, on]) => {
      // An uplink's ifb recreated leaves its ingress filter redirecting to a device that is
      // gone: act_mirred drops what arrives until the shaper unit attaches the new one.
      const ifbs = new Set([...on.uplinks].map(ifbName));
      const former = (d: DeviceChange) => d.change === "delete" && on.formerPrefixes.some((p) => d.name.startsWith(p));
      const onPath = (d: DeviceChange) => on.devices.has(d.name) || on.uplinks.has(d.name) || (ifbs.has(d.name) && d.change !== "reconfigure") || former(d);
      const hit = devices.filter((d) => DISRUPTIVE.has(d.change) && onPath(d));
      const settle = Math.max(0, ...hit.filter((d) => d.change === "recreate").map((d) => d.settleMs ?? 0));
      return {
        bundle,
        pauses: hit.length > 0,
        because: hit.map((d) => `${on.uplinks.has(d.name) ? "uplink " : ""}${d.name} ${PAST[d.change]}`),
        ...(settle > 0 ? { settleMs: settle } : {}),
      };
    }),
  };
}

/** The forecast as `push --dry-run` prints it under the host's diff. */
export function forecastLines(host: string, f: Forecast): string[] {
  const recreated = f.devices.filter((d) => d.change === "recreate");
  const lines = [`${host}: forecast`];
  lines.push(recreated.length === 0 ? "  no device recreated" : `  recreated (deleted, networkd creates it anew): ${recreated.map((d) => `${d.name} (${d.why})`).join("; ")}`);
  for (const change of ["delete", "create", "reconfigure"] as const) {
    const these = f.devices.filter((d) => d.change === change);
    if (these.length > 0) lines.push(`  ${PAST[change]}${change === "reconfigure" ? " in place" : ""}: ${these.map((d) => `${d.name} (${d.why})`).join("; ")}`);
  }
  for (const step of ["stop", "restart", "wait"] as const) {
    const these = f.units.filter((u) => u.step === step);
    if (these.length === 0) continue;
    lines.push(step === "wait" ? `  started once their devices appear: ${these.map((u) => `${u.unit} (${u.devices.join(", ")})`).join(", ")}` : `  ${step === "stop" ? "stopped" : "restarted"}: ${these.map((u) => u.unit).join(", ")}`);
  }
  lines.push(`  reloaded: ${f.reloads.join(", ") || "nothing"}`);
  for (const m of f.rebootNeeded) lines.push(`  reboot needed: module ${m} is loaded; its new options apply at the next boot`);
  for (const b of f.bundles) {
    if (!b.pauses) lines.push(`  bundle ${b.bundle}: no pause expected`);
    else lines.push(`  bundle ${b.bundle}: traffic pauses: ${b.because.join(", ")}${b.settleMs ? `; its ARP monitor judges the paths about ${b.settleMs} ms after the bond is up` : ""}`);
  }
  return lines;
}
