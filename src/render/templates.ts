// The Handlebars templates under templates/, compiled once on a private
// instance: noEscape (these are not HTML), strict (a missing field is a bug,
// not an empty line), knownHelpersOnly (only if and each).
import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { TEMPLATES_DIR } from "../project-files.js";

export type TemplateName = "netdev" | "network" | "shape.service" | "equalizer.service" | "firewall.service" | "firewall.nft" | "modules-load.conf" | "modprobe.conf" | "sysctl.conf" | "metrics.sh" | "metrics.service";

const handlebars = Handlebars.create();
/**
 * The templates use {{#if}} and {{#each}} only. Handlebars wraps every
 * registered helper anew on each call of a template (once per file, 260,000
 * times for 10,000 hosts): the helpers no template uses are removed, and
 * compiling refuses a template that names one of them (knownHelpers below).
 */
const UNUSED_HELPERS = ["unless", "with", "lookup", "log"] as const;
for (const name of UNUSED_HELPERS) handlebars.unregisterHelper(name);
const knownHelpers = Object.fromEntries(UNUSED_HELPERS.map((name) => [name, false]));
const compiled = new Map<TemplateName, Handlebars.TemplateDelegate>();

export function template(name: TemplateName): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (t === undefined) {
    const source = readFileSync(new URL(`${name}.hbs`, TEMPLATES_DIR), "utf8");
    // data: false: no @index/@first frames (unused), which halves the cost of {{#each}}.
    t = handlebars.compile(source, { noEscape: true, strict: true, knownHelpersOnly: true, knownHelpers, data: false });
    compiled.set(name, t);
  }
  return t;
}
