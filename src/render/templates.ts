// The Handlebars templates under templates/, compiled once on a private
// instance: noEscape (these are not HTML), strict (a missing field is a bug,
// not an empty line), knownHelpersOnly (only if/each/unless/with).
import { readFileSync } from "node:fs";
import Handlebars from "handlebars";

export type TemplateName = "netdev" | "network" | "shape.service" | "equalizer.service" | "firewall.service" | "firewall.nft" | "modules-load.conf" | "modprobe.conf" | "sysctl.conf" | "metrics.sh" | "metrics.service";

const TEMPLATES_DIR = new URL("../../../templates/", import.meta.url);
const handlebars = Handlebars.create();
const compiled = new Map<TemplateName, Handlebars.TemplateDelegate>();

export function template(name: TemplateName): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (t === undefined) {
    const source = readFileSync(new URL(`${name}.hbs`, TEMPLATES_DIR), "utf8");
    // data: false: no @index/@first frames (unused), which halves the cost of {{#each}}.
    t = handlebars.compile(source, { noEscape: true, strict: true, knownHelpersOnly: true, data: false });
    compiled.set(name, t);
  }
  return t;
}
