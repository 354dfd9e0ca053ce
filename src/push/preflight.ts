// Checks made before anything is written to a host: netgen's files only work
// where systemd-networkd manages the interfaces they declare, and netgen's nftables table needs nft.
import type { HostState } from "./agent.js";
import { FIREWALL_RULES } from "../render/firewall-view.js";
import type { Release } from "./release.js";

/** The interfaces a release configures: the Name= of each .network file it holds. */
function declaredInterfaces(release: Release): string[] {
  const names = new Set<string>();
  for (const e of release.entries) {
    if (e.kind !== "f" || !e.path.endsWith(".network")) continue;
    for (const m of e.content!.toString("utf8").matchAll(/^Name=(\S+)$/gm)) names.add(m[1]!);
  }
  return [...names];
}

/** Why this release cannot be applied on this host, or [] when it can. */
export function preflight(release: Release, state: HostState): string[] {
  const problems: string[] = [];
  // Not enabled but running (started by hand) is allowed: push notes it (see bootNote).
  if (state.networkd.active !== "active") {
    problems.push(`systemd-networkd is ${state.networkd.active || "not running"}: netgen's files need it running and enabled (systemctl enable --now systemd-networkd)`);
  }
  const declared = new Set(declaredInterfaces(release));
  for (const [manager, interfaces] of state.managedBy) {
    const clash = interfaces.filter((i) => declared.has(i));
    if (clash.length > 0) problems.push(`${manager} manages ${clash.join(", ")}, which netgen configures: hand ${clash.length === 1 ? "it" : "them"} to systemd-networkd first`);
  }
  const rules = FIREWALL_RULES.slice(1);
  if (!state.nft && release.entries.some((e) => e.path === rules)) problems.push(`nft is not installed and this release filters tunnel traffic, clamps MSS or masquerades (${rules}): install nftables`);
  return problems;
}

/** A note when networkd runs but would not start at the next boot. */
export function bootNote(state: HostState): string | undefined {
  const { enabled } = state.networkd;
  return enabled === "enabled" || enabled === "static" || enabled === "alias" ? undefined : `note: systemd-networkd is ${enabled || "not enabled"}: after a reboot nothing applies netgen's files (systemctl enable systemd-networkd)`;
}
