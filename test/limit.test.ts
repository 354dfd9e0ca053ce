// --limit: names, groups, globs and !exclusions against one small fleet; every
// selector that matches nothing is an error naming it.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExitError } from "../src/errors.js";
import { selectHosts } from "../src/inventory/select.js";
import { validateText } from "../src/pipeline/pipeline.js";
import { netgen } from "./support/cli.js";

const host = (name: string, i: number, groups?: string) => `  ${name}:${groups ? `\n    groups: [${groups}]` : ""}\n    uplinks:\n      e0: { address: 10.0.${i}.2/24 }\n`;
const FLEET = `netgen: 1\nhosts:\n${[
  host("venue-1", 1),
  host("venue-2", 2, "venues"),
  host("venue-7", 3, "venues, lte"),
  host("venue-10", 4, "venues"),
  host("dc-exit-1", 5, "exits"),
  host("dc-exit-2", 6, "exits, lte"),
].join("")}`;
const fleet = validateText("fleet.yaml", FLEET);

const SELECTS: [limit: string | undefined, hosts: string[] | "all"][] = [
  [undefined, "all"],
  ["venue-1", ["venue-1"]],
  [" venue-1 , dc-exit-2 ", ["venue-1", "dc-exit-2"]],
  ["venue-1,venue-1", ["venue-1"]],
  ["venues", ["venue-2", "venue-7", "venue-10"]],
  ["lte", ["venue-7", "dc-exit-2"]],
  ["venue-*", ["venue-1", "venue-2", "venue-7", "venue-10"]],
  ["venue-?", ["venue-1", "venue-2", "venue-7"]],
  ["*-1", ["venue-1", "dc-exit-1"]],
  ["venue-*,!lte", ["venue-1", "venue-2", "venue-10"]],
  ["!lte,venue-*", ["venue-1", "venue-2", "venue-10"]],
  ["!venues", ["venue-1", "dc-exit-1", "dc-exit-2"]],
  ["!venues,!exits", ["venue-1"]],
  ["exits,venue-7,!dc-exit-1", ["venue-7", "dc-exit-2"]],
  ["*", ["venue-1", "venue-2", "venue-7", "venue-10", "dc-exit-1", "dc-exit-2"]],
];

for (const [limit, hosts] of SELECTS) {
  test(`--limit ${JSON.stringify(limit)} selects ${hosts === "all" ? "every host" : hosts.join(", ")}`, () => {
    const chosen = selectHosts(fleet, limit);
    if (hosts === "all") return assert.is(chosen, undefined);
    // In inventory order, whatever the order of the selectors.
    assert.equal([...chosen!], hosts);
  });
}

const REFUSES: [limit: string, message: RegExp][] = [
  ["venue-3", /^--limit: no host or group 'venue-3' in fleet.yaml; hosts: venue-1, venue-2, .*; groups: exits, lte, venues$/],
  ["vneues", /no host or group 'vneues' .*\(did you mean 'venues'\?\)/],
  ["venue-1,dc-exti-1", /no host or group 'dc-exti-1' .*\(did you mean 'dc-exit-1'\?\)/],
  ["edge-*", /^--limit: 'edge-\*' matches no host name in fleet.yaml; hosts: venue-1/],
  ["venue-*,!ltee", /no host or group 'ltee' .*\(did you mean 'lte'\?\)/],
  ["venue-7,!lte", /^--limit 'venue-7,!lte' leaves no host once its '!' exclusions are taken out$/],
  ["", /^--limit: give host names, groups or globs separated by commas/],
  [" , ", /^--limit: give host names, groups or globs/],
  ["Venue-1", /^--limit: 'Venue-1' is not a host, group or glob/],
  ["venue-1;reboot", /'venue-1;reboot' is not a host, group or glob/],
  ["!", /'!' is not a host, group or glob/],
  ["!!lte", /'!!lte' is not a host, group or glob/],
];

for (const [limit, message] of REFUSES) {
  test(`--limit ${JSON.stringify(limit)} is refused`, () => {
    try {
      selectHosts(fleet, limit);
    } catch (error) {
      assert.instance(error, ExitError);
      return assert.match((error as Error).message, message);
    }
    assert.unreachable("selected hosts");
  });
}

test("render --limit with a group and an exclusion writes those hosts only; a bad selector writes nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), "netgen-limit-"));
  try {
    writeFileSync(join(dir, "fleet.yaml"), FLEET);
    const bad = netgen(["render", "fleet.yaml", "--limit", "venues,!nope"], dir);
    assert.is(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /no host or group 'nope'/);
    assert.not.ok(existsSync(join(dir, "generated")), "nothing written");
    const r = netgen(["render", "fleet.yaml", "--limit", "venues,!lte"], dir);
    assert.is(r.code, 0, r.stderr);
    assert.equal(readdirSync(join(dir, "generated/fleet")).filter((f) => !f.startsWith(".")).sort(), ["venue-10", "venue-2"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rollback takes one host's name: a group or a glob is refused before any host is contacted", () => {
  const dir = mkdtempSync(join(tmpdir(), "netgen-limit-"));
  try {
    writeFileSync(join(dir, "fleet.yaml"), FLEET);
    assert.is(netgen(["render", "fleet.yaml"], dir).code, 0);
    const group = netgen(["rollback", "lte", "fleet.yaml"], dir);
    assert.is(group.code, 1, group.stderr);
    assert.match(group.stderr, /^netgen: rollback: 'lte' is a group \(venue-7, dc-exit-2\): rollback goes back on one host, named in full\n$/);
    const glob = netgen(["rollback", "venue-*", "fleet.yaml"], dir);
    assert.is(glob.code, 1, glob.stderr);
    assert.match(glob.stderr, /'venue-\*' is not a host name/);
    // A host of the fleet gets past the check (and fails at connecting: the fleet has no ssh.host).
    const one = netgen(["rollback", "venue-7", "fleet.yaml", "--confirm-timeout", "5"], dir);
    assert.is(one.code, 4, one.stderr);
    assert.match(one.stdout, /venue-7 has no ssh.host in the inventory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
