// Rules about path names: a name identifies one path of its bundle, and the
// devices named from paths (`<bundle>-<name>`, or `<bundle>-<hash>` of the
// uplinks a path joins) are one per path.
import type { Problem } from "../../errors.js";
import type { Bundle, Path } from "../../inventory/types.js";
import { tunnelName } from "../../plan/names.js";
import { type RuleContext, usesTunnels } from "./context.js";

export function pathNameRules(ctx: RuleContext): Problem[] {
  return ctx.inventory.bundles.flatMap((bundle) => [...duplicateNames(bundle), ...sharedTunnelNames(bundle)]);
}

function duplicateNames(bundle: Bundle): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, Path>();
  for (const path of bundle.paths) {
    if (path.name === undefined) continue;
    const first = seen.get(path.name);
    if (first !== undefined) {
      problems.push({ path: ["bundles", bundle.name, "paths", path.index, "name"], message: `paths ${first.index + 1} and ${path.index + 1} of ${bundle.name} are both named '${path.name}'`, hint: "give each path a name of its own: it names the path's devices" });
    } else seen.set(path.name, path);
  }
  return problems;
}

/**
 * An unnamed path's tunnel is named from a short hash of its uplinks: two paths
 * can (rarely, with a long bundle name) get the same one, or a named path can
 * take an unnamed one's. Naming a path settles it.
 */
function sharedTunnelNames(bundle: Bundle): Problem[] {
  if (!usesTunnels(bundle) && bundle.transport !== "wireguard") return [];
  const problems: Problem[] = [];
  const seen = new Map<string, Path>();
  for (const path of bundle.paths) {
    const name = tunnelName(bundle.name, path);
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, path);
    } else if (first.name === undefined || path.name === undefined) {
      const unnamed = path.name === undefined ? path : first;
      problems.push({ path: ["bundles", bundle.name, "paths", unnamed.index], message: `paths ${first.index + 1} and ${path.index + 1} of ${bundle.name} would both have the tunnel ${name}`, hint: `give path ${unnamed.index + 1} a name, e.g. name: p${unnamed.index + 1} (at most 6 lowercase letters and digits): its tunnel is then ${bundle.name}-<name>` });
    }
  }
  return problems;
}
