// Checks of what planning derives (run only once the inventory's references
// resolve): the devices netgen creates have names the kernel accepts, that no
// module takes, and that do not collide with each other or the uplinks.
import type { Problem } from "../../errors.js";
import { createdDevices } from "../../plan/devices.js";
import { MAX_IFNAME, RESERVED_IFNAME } from "../../plan/names.js";
import { planLinks } from "../../plan/plan.js";
import type { RuleContext } from "./context.js";

export function deviceRules(ctx: RuleContext): Problem[] {
  const problems: Problem[] = [];
  for (const host of ctx.inventory.hosts) {
    const taken = new Map<string, string>(host.uplinks.map((u) => [u.name, `uplink ${u.name}`]));
    const tooLong = new Set<string>();
    for (const device of createdDevices(ctx.inventory, host.name)) {
      const what = `${device.kind} ${device.name}`;
      if (device.name.length > MAX_IFNAME) {
        // One report per name the user chose (a bundle's tunnels share its name).
        const origin = device.origin.join("/");
        if (tooLong.has(origin)) continue;
        tooLong.add(origin);
        const excess = device.name.length - MAX_IFNAME;
        problems.push({ path: device.origin, at: "key", message: `the ${device.kind} device '${device.name}' (${device.name.length} characters) is too long; the kernel allows ${MAX_IFNAME}`, hint: `shorten the name by ${excess} character${excess === 1 ? "" : "s"}` });
        continue;
      }
      if (device.named && RESERVED_IFNAME.test(device.name)) {
        problems.push({ path: device.origin, at: "key", message: `'${device.name}' is a name the kernel gives its own devices`, hint: "pick another name: the module that owns it would create or hold that device" });
      }
      const other = taken.get(device.name);
      if (other !== undefined) {
        problems.push({ path: device.origin, at: "key", message: `${host.name} would have two devices named ${device.name}: ${other} and ${what}`, hint: "rename one of them" });
      }
      taken.set(device.name, what);
    }
  }
  const { wireguard, tunnels } = planLinks(ctx.inventory);
  for (const { bundle, mtu } of wireguard.values()) {
    if (bundle.strategy !== "ecmp" && bundle.strategy !== "teql") continue;
    const floor = bundle.linkSubnet?.ip.family === 6 || bundle.ends.some((e) => e.addresses.some((a) => a.cidr?.ip.family === 6)) ? 1280 : 576;
    if (mtu < floor) problems.push({ path: ["bundles", bundle.name], at: "key", message: `bundle ${bundle.name} would have an MTU of ${mtu} after WireGuard encapsulation, below ${floor}`, hint: "raise the uplinks' mtu:" });
  }
  for (const { bundle, mtu } of tunnels.values()) {
    const ipv6 = bundle.ends.some((e) => e.addresses.some((a) => a.cidr?.ip.family === 6));
    const floor = ipv6 ? 1280 : 576;
    if (mtu < floor) {
      problems.push({ path: ["bundles", bundle.name], at: "key", message: `bundle ${bundle.name} would have an MTU of ${mtu} after ${bundle.transport === "wireguard" ? "WireGuard and gretap" : "gretap"} encapsulation, below ${floor}${ipv6 ? " (IPv6's minimum)" : ""}`, hint: "raise the uplinks' mtu:" });
    }
  }
  return problems;
}
