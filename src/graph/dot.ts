// Topology -> Graphviz DOT. One node per host (an HTML table: its uplinks,
// loopbacks and bundle ends as rows), one edge per path between the two
// uplinks it uses. Everything comes out in inventory order, so the same
// inventory gives the same DOT byte for byte.
import { basename } from "node:path";
import type { EndRow, HostNode, PathEdge, Topology, UplinkRow } from "./topology.js";

// Colour-blind-safe (Okabe-Ito), one per bundle in inventory order.
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
const HOST_FILL = "#E8EEF6";
const END_FILL = "#FFF4DC";

export function topologyDot(topology: Topology): string {
  const colour = new Map(topology.bundles.map((b, i) => [b.name, PALETTE[i % PALETTE.length]!]));
  const lines = [
    "graph netgen {",
    `  label=${quote(`netgen graph ${basename(topology.inventory)}`)};`,
    '  labelloc=t; fontname="DejaVu Sans"; fontsize=16; rankdir=LR; nodesep=0.5; ranksep=2.2;',
    '  node [shape=plain, fontname="DejaVu Sans", fontsize=11];',
    '  edge [fontname="DejaVu Sans", fontsize=10];',
  ];
  for (const host of topology.hosts) lines.push(`  ${quote(host.name)} [label=<${hostTable(host, colour)}>];`);
  for (const bundle of topology.bundles) {
    for (const path of bundle.paths) lines.push(`  ${pathEdge(bundle.name, bundle.strategy, path, colour.get(bundle.name)!)}`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function hostTable(host: HostNode, colour: ReadonlyMap<string, string>): string {
  const rows = [
    `<TR><TD BGCOLOR="${HOST_FILL}"><B>${html(host.name)}</B>${host.sshHost ? `<BR/><FONT POINT-SIZE="9">ssh ${html(host.sshHost)}</FONT>` : ""}</TD></TR>`,
    ...host.uplinks.map((u) => `<TR><TD PORT="${uplinkPort(u.name)}" ALIGN="LEFT" BALIGN="LEFT">${uplinkText(u)}</TD></TR>`),
    ...host.loopbacks.map((l) => `<TR><TD ALIGN="LEFT">${html(l.name)}  ${html(l.address)}  <I>loopback</I></TD></TR>`),
    ...host.ends.map((e) => `<TR><TD BGCOLOR="${END_FILL}" ALIGN="LEFT" BALIGN="LEFT">${endText(e, colour.get(e.bundle)!)}</TD></TR>`),
  ];
  return `<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="5">${rows.join("")}</TABLE>`;
}

function uplinkText(u: UplinkRow): string {
  const first = [`<B>${html(u.name)}</B>`, html(u.address), u.gateway ? `via ${html(u.gateway)}` : "", u.mtu ? `mtu ${u.mtu}` : ""];
  const notes: string[] = [];
  if (u.shape?.egress || u.shape?.ingress) notes.push(`shaped ${shapeText(u.shape)}`);
  if (u.masquerade) notes.push("masquerade (NAT for bundle traffic)");
  const second = notes.length ? `<BR/><FONT POINT-SIZE="9">${html(notes.join(", "))}</FONT>` : "";
  return `${first.filter((s) => s !== "").join("  ")}${second}`;
}

function shapeText(shape: { egress?: string; ingress?: string }): string {
  return [shape.egress ? `egress ${shape.egress}` : "", shape.ingress ? `ingress ${shape.ingress}` : ""].filter((s) => s !== "").join(" / ");
}

function endText(e: EndRow, colour: string): string {
  const title = `<FONT COLOR="${colour}"><B>${html(e.bundle)}</B></FONT>  ${html(e.strategy)}: ${html(e.device ? `${e.device} (${e.role})` : e.role)}`;
  const facts = [e.address ?? "", e.mtu ? `MTU ${e.mtu}` : "", e.defaultRoute ? "default route" : ""].filter((s) => s !== "");
  const routes = e.routes.length ? [`routes ${e.routes.join(", ")}`] : [];
  const details = [...facts, ...routes].join(", ");
  return `${title}${details ? `<BR/><FONT POINT-SIZE="9">${html(details)}</FONT>` : ""}`;
}

function pathEdge(bundle: string, strategy: string, path: PathEdge, colour: string): string {
  const head = [`${bundle} path ${path.number}`, path.primary ? "primary" : "", path.weight !== undefined && strategy === "ecmp" ? `weight ${path.weight}` : ""];
  const tunnel = path.tunnel ? [`gretap ${path.tunnel.name}`, path.tunnel.mtu ? `MTU ${path.tunnel.mtu}` : "", path.tunnel.key ? `key ${path.tunnel.key}` : ""] : [];
  const label = [head.filter((s) => s !== "").join(", "), tunnel.filter((s) => s !== "").join(", ")].filter((s) => s !== "").join("\n");
  // A failover bundle's backup paths carry nothing until the primary fails: dashed.
  const style = strategy === "failover" && !path.primary ? "dashed" : "solid";
  const attributes = [`label=${quote(label)}`, `color=${quote(colour)}`, `fontcolor=${quote(colour)}`, `style=${style}`, `penwidth=${path.primary ? 3 : 1.5}`];
  const end = (e: { host: string; uplink: string }) => `${quote(e.host)}:${quote(uplinkPort(e.uplink))}`;
  return `${end(path.from)} -- ${end(path.to)} [${attributes.join(", ")}];`;
}

function uplinkPort(uplink: string): string {
  return `uplink-${uplink}`;
}

/** A DOT double-quoted string: names and addresses are validated, but a quote or backslash must never end it early. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
