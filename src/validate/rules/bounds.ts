// Values the schema's patterns let through but the kernel or tc cannot take:
// device names that are sysctl keywords, and shaping rates outside what tc
// turns into a working HTB class (measured against tc 6.1: test/tc-bounds.test.ts).
import type { Problem } from "../../errors.js";
import type { RuleContext } from "./context.js";
import { MAX_RATE_BITS, MIN_RATE_BITS, rateBits } from "../../net/rate.js";

export { MAX_RATE_BITS, MIN_RATE_BITS };

/** net/ipv4/conf/<name>/ is a device's sysctl folder, except for these, which mean every device or new ones. */
export const SYSCTL_KEYWORDS = ["all", "default", "lo"];

/** Below this an uplink carries less than one 1500-byte packet every 0.2 s: legal, but likely a typo. */
export const LOW_RATE_BITS = 64e3;


export function boundRules(ctx: RuleContext): Problem[] {
  const problems: Problem[] = [];
  for (const host of ctx.inventory.hosts) {
    const named = [...host.uplinks.map((u) => ({ name: u.name, kind: "uplinks" })), ...host.loopbacks.map((l) => ({ name: l.name, kind: "loopbacks" }))];
    for (const { name, kind } of named.filter((n) => SYSCTL_KEYWORDS.includes(n.name))) {
      problems.push({
        path: ["hosts", host.name, kind, name],
        at: "key",
        message: `'${name}' cannot name a device: net/ipv4/conf/${name}/ means ${name === "lo" ? "the loopback device" : name === "all" ? "every device" : "every new device"} to the kernel`,
        hint: "use the interface's real name, e.g. eth0 or enp1s0",
      });
    }
    for (const u of host.uplinks) {
      for (const direction of ["egress", "ingress"] as const) {
        const rate = u.shape?.[direction];
        const bitsPerSecond = rate === undefined ? NaN : rateBits(rate);
        if (Number.isNaN(bitsPerSecond)) continue; // the schema reports the format
        const path = ["hosts", host.name, "uplinks", u.name, "shape", direction];
        if (bitsPerSecond < MIN_RATE_BITS) {
          const message = `${direction} rate ${rate} is below 8bit, which tc refuses ("rate" is required) and the shaping unit fails`;
          problems.push({ path, message, hint: "write the uplink's real rate, e.g. 5mbit" });
        }
        if (bitsPerSecond > MAX_RATE_BITS) {
          const message = `${direction} rate ${rate} is above 4gbit: tc's default burst shrinks to nothing there (0 bytes from 8gbit)`;
          problems.push({ path, message, hint: "remove the limit (an uplink that fast needs no shaping), or use at most 4gbit" });
        }
      }
    }
  }
  for (const bundle of ctx.inventory.bundles.filter((b) => SYSCTL_KEYWORDS.includes(b.name))) {
    problems.push({
      path: ["bundles", bundle.name],
      at: "key",
      message: `'${bundle.name}' cannot name a bundle: net/ipv4/conf/${bundle.name}/ is a kernel keyword, not a device`,
      hint: "pick another bundle name",
    });
  }
  return problems;
}

export function boundWarnings(ctx: RuleContext): Problem[] {
  return ctx.inventory.hosts.flatMap((host) =>
    host.uplinks.flatMap((u) =>
      (["egress", "ingress"] as const).flatMap((direction) => {
        const rate = u.shape?.[direction];
        const bitsPerSecond = rate === undefined ? NaN : rateBits(rate);
        if (!(bitsPerSecond >= MIN_RATE_BITS && bitsPerSecond < LOW_RATE_BITS)) return [];
        const bytes = bitsPerSecond / 8;
        const perSecond = `${bytes} byte${bytes === 1 ? "" : "s"} a second`;
        return [{
          path: ["hosts", host.name, "uplinks", u.name, "shape", direction],
          message: `${direction} rate ${rate} is ${perSecond}: a 1500-byte packet takes ${(1500 / bytes).toFixed(1)} s`,
          hint: "did you mean kbit or mbit? rates are bits per second",
        }];
      }),
    ),
  );
}
