// --limit: which hosts a command works on. A comma-separated list of selectors:
//   fo-gw      a host by name, or else a group (`groups:` of hosts)
//   venue-*    a glob over host names (* any run of characters, ? one)
//   !lte       leave out what the rest of the selector would match
// The hosts are those any plain selector matches (every host when there are
// only exclusions) minus those any exclusion matches. A selector that matches
// nothing is an error naming it: a mistyped exclusion must not let a host
// through, a mistyped name must not quietly shrink a rollout.
import { ExitError } from "../errors.js";
import { closest } from "../validate/suggest.js";
import type { Inventory } from "./types.js";

const SELECTOR = /^!?[a-z0-9*?][a-z0-9*?-]*$/;

/** The selected host names (undefined: no --limit, every host). */
export function selectHosts(inventory: Inventory, limit?: string): Set<string> | undefined {
  if (limit === undefined) return undefined;
  const selectors = limit.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (selectors.length === 0) throw new ExitError("--limit: give host names, groups or globs separated by commas, e.g. --limit 'venue-*,!venue-9'");
  const included = new Set<string>();
  const excluded = new Set<string>();
  for (const selector of selectors) {
    if (!SELECTOR.test(selector)) {
      throw new ExitError(`--limit: '${selector}' is not a host, group or glob (lowercase letters, digits, '-', '*', '?', and '!' in front to leave out)`);
    }
    const exclude = selector.startsWith("!");
    const matched = matchOne(inventory, exclude ? selector.slice(1) : selector);
    for (const host of matched) (exclude ? excluded : included).add(host);
  }
  const anyIncluded = selectors.some((s) => !s.startsWith("!"));
  const chosen = inventory.hosts.map((h) => h.name).filter((name) => (anyIncluded ? included.has(name) : true) && !excluded.has(name));
  if (chosen.length === 0) throw new ExitError(`--limit '${limit}' leaves no host once its '!' exclusions are taken out`);
  return new Set(chosen);
}

/** One selector without its '!': the hosts it names, never none. */
function matchOne(inventory: Inventory, word: string): string[] {
  const hosts = inventory.hosts.map((h) => h.name);
  if (/[*?]/.test(word)) {
    const glob = new RegExp(`^${word.replace(/[*?]/g, (c) => (c === "*" ? ".*" : "."))}$`);
    const matched = hosts.filter((h) => glob.test(h));
    if (matched.length === 0) throw new ExitError(`--limit: '${word}' matches no host name in ${inventory.file}; hosts: ${summary(hosts)}`);
    return matched;
  }
  if (hosts.includes(word)) return [word];
  const members = inventory.hosts.filter((h) => h.groups.includes(word)).map((h) => h.name);
  if (members.length > 0) return members;
  const groups = [...new Set(inventory.hosts.flatMap((h) => h.groups))].sort();
  const guess = closest(word, [...hosts, ...groups]);
  const known = `hosts: ${summary(hosts)}${groups.length ? `; groups: ${summary(groups)}` : ""}`;
  throw new ExitError(`--limit: no host or group '${word}' in ${inventory.file}${guess ? ` (did you mean '${guess}'?)` : ""}; ${known}`);
}

/** A list for a message: a fleet of thousands is not printed whole. */
function summary(names: string[]): string {
  return names.length <= 20 ? names.join(", ") : `${names.slice(0, 20).join(", ")} and ${names.length - 20} more`;
}
