// FirewallPlan -> the lines of firewall.nft: each nft rule spelled out from
// the model's lists (names quoted, sets braced), nothing decided here.
import type { FirewallPlan } from "../plan/model.js";

export const FIREWALL_RULES = "/etc/netgen/firewall.nft";
export const FIREWALL_UNIT = "netgen-firewall.service";

const quoted = (devices: string[]): string => devices.map((d) => `"${d}"`).join(", ");
const set = (items: string[]): string => (items.length === 1 ? items[0]! : `{ ${items.join(", ")} }`);

export function firewallView(f: FirewallPlan, head: string) {
  const { nat } = f;
  const hasInput = f.input.gre.length > 0 || f.input.udp.length > 0;
  return {
    header: head,
    summary: summary(f),
    input: hasInput
      ? {
          gre: f.input.gre.map((g) => `${g.family} daddr ${g.local} ${g.family} saddr ${g.remote} meta l4proto gre accept comment "${g.tunnel}"`),
          udp: f.input.udp.map((u) => ({ why: u.why, rule: `udp dport ${u.port} accept` })),
        }
      : null,
    clamp:
      f.clampMss.length > 0
        ? {
            why: f.clampMss.map((c) => c.why).join("; "),
            rule: `oifname ${set(f.clampMss.map((c) => `"${c.device}"`))} tcp flags syn tcp option maxseg size set rt mtu`,
          }
        : null,
    nat: nat
      ? {
          rules: nat.rules.map((r) => `iifname { ${quoted(r.from)} } oifname "${r.to}" masquerade`),
          forward: nat.forward.map((r) => {
            const daddr = r.daddr ? ` ${r.daddr.family} daddr { ${r.daddr.prefixes.join(", ")} }` : "";
            return `iifname { ${quoted(r.from)} } oifname ${set(r.to.map((t) => `"${t}"`))}${daddr} accept`;
          }),
        }
      : null,
  };
}

/** What the table does on this host, for the unit's Description= and the file's head. */
function summary(f: FirewallPlan): string {
  const parts: string[] = [];
  if (f.input.gre.length > 0 || f.input.udp.length > 0) parts.push("tunnel traffic only from declared peers");
  if (f.clampMss.length > 0) parts.push(`TCP MSS clamped on ${f.clampMss.map((c) => c.device).join(", ")}`);
  if (f.nat) parts.push(`masquerade out of ${f.nat.rules.map((r) => r.to).join(", ")}, forward policy`);
  return parts.join("; ");
}
