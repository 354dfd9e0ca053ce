// Every device netgen creates on a host, with the place in the inventory that
// asked for it: validation checks their names, the planner builds them.
import type { DocPath } from "../errors.js";
import { lookup } from "../inventory/lookup.js";
import { failoverEndIndex } from "../inventory/ends.js";
import type { Inventory, Strategy } from "../inventory/types.js";
import { ifbName, teqlBundles, tunnelName, wireguardLinkName } from "./names.js";
import { planShaping } from "./shaping.js";

export type DeviceKind = "bond" | "bridge" | "gretap" | "dummy" | "ifb" | "teql" | "wireguard";

export interface CreatedDevice {
  name: string;
  kind: DeviceKind;
  origin: DocPath;
  /** Whether the user chose the name (then reserved names are refused). */
  named: boolean;
}

export function createdDevices(inventory: Inventory, host: string): CreatedDevice[] {
  const devices: CreatedDevice[] = [];
  const h = lookup(inventory).host(host);
  for (const lo of h?.loopbacks ?? []) devices.push({ name: lo.name, kind: "dummy", origin: ["hosts", host, "loopbacks", lo.name], named: true });
  for (const bundle of lookup(inventory).bundlesOf(host)) {
    const end = bundle.ends.findIndex((e) => e.host === host);
    if (end >= 0 && bundle.transport === "wireguard") {
      const links = new Set<string>();
      for (const path of bundle.paths) {
        const name = wireguardLinkName(bundle, path);
        const origin = path.name === undefined ? ["bundles", bundle.name] : ["bundles", bundle.name, "paths", path.index, "name"];
        if (!links.has(name)) devices.push({ name, kind: "wireguard", origin, named: false });
        links.add(name);
      }
    }
    if (end < 0 || !bondsTunnels(bundle.strategy)) continue;
    const kind = runsBond(bundle, end) ? "bond" : "bridge";
    devices.push({ name: bundle.name, kind, origin: ["bundles", bundle.name], named: true });
    // A tunnel's name is made from the bundle's and the path's name, if any: those are the names to change.
    // Two paths of one bundle with one tunnel name are reported by the path-name rules.
    const tunnels = new Set<string>();
    for (const path of bundle.paths) {
      const name = tunnelName(bundle.name, path);
      const origin = path.name === undefined ? ["bundles", bundle.name] : ["bundles", bundle.name, "paths", path.index, "name"];
      if (!tunnels.has(name)) devices.push({ name, kind: "gretap", origin, named: false });
      tunnels.add(name);
    }
  }
  teqlBundles(inventory, host).forEach((b, k) => devices.push({ name: `teql${k}`, kind: "teql", origin: ["bundles", b.name], named: false }));
  for (const s of planShaping(inventory, host)) {
    if (s.ingress) devices.push({ name: ifbName(s.uplink.name), kind: "ifb", origin: ["hosts", host, "uplinks", s.uplink.name, "shape"], named: false });
  }
  return devices;
}

/** Strategies that put one gretap per path and join them in a bond (a bridge on failover's far end). */
export function bondsTunnels(strategy: Strategy): boolean {
  return strategy === "failover" || strategy === "balance-rr" || strategy === "redundant";
}

/**
 * Whether this end of a tunnelled bundle runs a bond: both ends of balance-rr
 * and redundant, the failing-over end of failover (its far end is a bridge).
 */
export function runsBond(bundle: { strategy: Strategy; ends: { defaultRoute: boolean }[] }, endIndex: number): boolean {
  return bundle.strategy !== "failover" || failoverEndIndex(bundle) === endIndex;
}

