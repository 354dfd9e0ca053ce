// HostPlan -> the host's files, through the templates.
import { createHash } from "node:crypto";
import type { HostPlan } from "../plan/model.js";
import { checkDirectives } from "./directives.js";
import { type Entry, type HostFiles, sortEntries } from "./file-set.js";
import { FIREWALL_RULES, FIREWALL_UNIT, firewallView } from "./firewall-view.js";
import { guardOutput } from "./guard.js";
import { template } from "./templates.js";
import { bondSettingsUnitName, equalizerUnitName, equalizerView, header, metricsView, netdevView, networkView, segmenterUnitName, bondUnitView, shapeUnitName, shapeView } from "./views.js";
import { deviceUnit } from "./systemd-escape.js";

const NETWORK_DIR = "etc/systemd/network";
export const UNIT_DIR = "etc/systemd/system";
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
  for (const n of plan.networks) file(`${NETWORK_DIR}/10-netgen-${n.name}.network`, template("network")(networkView(n, head)));
  for (const s of plan.shapers) {
    const unit = shapeUnitName(s.device);
    file(`${UNIT_DIR}/${unit}`, template("shape.service")(shapeView(s, head)));
    entries.push({ kind: "link", path: `${UNIT_DIR}/${deviceUnit(s.device)}.wants/${unit}`, target: `../${unit}` });
  }
  for (const g of plan.segmenters) {
    const unit = segmenterUnitName(g.device);
    file(`${UNIT_DIR}/${unit}`, template("shape.service")(bondUnitView(g, head)));
    for (const d of [g.device, ...g.members]) entries.push({ kind: "link", path: `${UNIT_DIR}/${deviceUnit(d)}.wants/${unit}`, target: `../${unit}` });
  }
  for (const g of plan.bondSettings) {
    const unit = bondSettingsUnitName(g.device);
    file(`${UNIT_DIR}/${unit}`, template("shape.service")(bondUnitView(g, head)));
    entries.push({ kind: "link", path: `${UNIT_DIR}/${deviceUnit(g.device)}.wants/${unit}`, target: `../${unit}` });
  }
  for (const e of plan.equalizers) {
    const unit = equalizerUnitName(e.device);
    file(`${UNIT_DIR}/${unit}`, template("equalizer.service")(equalizerView(e, head)));
    for (const m of e.members) entries.push({ kind: "link", path: `${UNIT_DIR}/${deviceUnit(m)}.wants/${unit}`, target: `../${unit}` });
  }
  if (plan.firewall) {
    const view = firewallView(plan.firewall, head);
    file(FIREWALL_RULES.slice(1), template("firewall.nft")(view));
    file(`${UNIT_DIR}/${FIREWALL_UNIT}`, template("firewall.service")({ header: head, summary: view.summary, rulesFile: FIREWALL_RULES }));
    entries.push({ kind: "link", path: `${UNIT_DIR}/sysinit.target.wants/${FIREWALL_UNIT}`, target: `../${FIREWALL_UNIT}` });
    // Started again whenever nftables.service starts (PartOf= covers its restart and stop, not a start).
    entries.push({ kind: "link", path: `${UNIT_DIR}/nftables.service.wants/${FIREWALL_UNIT}`, target: `../${FIREWALL_UNIT}` });
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
