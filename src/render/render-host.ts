// HostPlan -> the host's files, through the templates.
import { createHash } from "node:crypto";
import type { HostPlan } from "../plan/model.js";
import { checkDirectives } from "./directives.js";
import { type Entry, type HostFiles, sortEntries } from "./file-set.js";
import { guardOutput } from "./guard.js";
import { template } from "./templates.js";
import { equalizerUnitName, equalizerView, header, metricsView, netdevView, networkView, shapeUnitName, shapeView } from "./views.js";
import { deviceUnit } from "./systemd-escape.js";

const NETWORK_DIR = "etc/systemd/network";
const UNIT_DIR = "etc/systemd/system";
export const NAT_RULES = "/etc/netgen/nat.nft";
export const NAT_UNIT = "netgen-nat.service";
export const METRICS_SCRIPT = "/etc/netgen/metrics.sh";
export const METRICS_UNIT = "netgen-metrics.service";

export function renderHost(plan: HostPlan): HostFiles {
  const head = header(plan.inventory, plan.host);
  const entries: Entry[] = [];
  const file = (path: string, content: string, mode = 0o644) => {
    guardOutput(path, content);
    if (path.startsWith(`${NETWORK_DIR}/`)) checkDirectives(path, content, plan.systemd, plan.host);
    entries.push({ kind: "file", path, mode, content });
  };
  for (const d of plan.netdevs) file(`${NETWORK_DIR}/10-netgen-${d.name}.netdev`, template("netdev")(netdevView(d, head)));
  for (const n of plan.networks) file(`${NETWORK_DIR}/10-netgen-${n.name}.network`, template("network")(networkView(n, head, plan.systemd)));
  for (const s of plan.shapers) {
    const unit = shapeUnitName(s.device);
    file(`${UNIT_DIR}/${unit}`, template("shape.service")(shapeView(s, head)));
    entries.push({ kind: "link", path: `${UNIT_DIR}/${deviceUnit(s.device)}.wants/${unit}`, target: `../${unit}` });
  }
  for (const e of plan.equalizers) {
    const unit = equalizerUnitName(e.device);
    file(`${UNIT_DIR}/${unit}`, template("equalizer.service")(equalizerView(e, head)));
    for (const m of e.members) entries.push({ kind: "link", path: `${UNIT_DIR}/${deviceUnit(m)}.wants/${unit}`, target: `../${unit}` });
  }
  if (plan.nat) {
    const names = (devices: string[]): string => devices.map((f) => `"${f}"`).join(", ");
    const rules = plan.nat.rules.map((r) => ({ from: names(r.from), to: r.to }));
    const oif = (to: string[]): string => (to.length === 1 ? `"${to[0]}"` : `{ ${names(to)} }`);
    const forward = plan.nat.forward.map((r) => `iifname { ${names(r.from)} } oifname ${oif(r.to)}${r.daddr ? ` ${r.daddr.family} daddr { ${r.daddr.prefixes.join(", ")} }` : ""} accept`);
    file(NAT_RULES.slice(1), template("nat.nft")({ header: head, rules, forward }));
    file(`${UNIT_DIR}/${NAT_UNIT}`, template("nat.service")({ header: head, uplinks: plan.nat.rules.map((r) => r.to).join(", "), rulesFile: NAT_RULES }));
    entries.push({ kind: "link", path: `${UNIT_DIR}/sysinit.target.wants/${NAT_UNIT}`, target: `../${NAT_UNIT}` });
  }
  if (plan.metrics) {
    const script = template("metrics.sh")(metricsView(plan.metrics, head));
    file(METRICS_SCRIPT.slice(1), script, 0o755);
    const scriptSha256 = createHash("sha256").update(script).digest("hex");
    file(`${UNIT_DIR}/${METRICS_UNIT}`, template("metrics.service")({ header: head, file: plan.metrics.file, script: METRICS_SCRIPT, scriptSha256 }));
    entries.push({ kind: "link", path: `${UNIT_DIR}/multi-user.target.wants/${METRICS_UNIT}`, target: `../${METRICS_UNIT}` });
  }
  if (plan.modules.length > 0) file("etc/modules-load.d/netgen.conf", template("modules-load.conf")({ header: head, modules: plan.modules }));
  if (plan.moduleOptions.length > 0) file("etc/modprobe.d/netgen.conf", template("modprobe.conf")({ header: head, options: plan.moduleOptions }));
  if (plan.sysctls.length > 0) file("etc/sysctl.d/60-netgen.conf", template("sysctl.conf")({ header: head, sysctls: plan.sysctls }));
  return { host: plan.host, entries: sortEntries(entries) };
}
