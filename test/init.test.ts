// netgen init: each shape, at the smallest and largest number of paths,
// validates and renders as written through the CLI; it never overwrites.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { netgen } from "./support/cli.js";

let work = "";
test.before.each(() => void (work = mkdtempSync(join(tmpdir(), "netgen-init-"))));
test.after.each(() => rmSync(work, { recursive: true, force: true }));

const cases = [
  { shape: "branch", uplinks: 2, strategy: "failover", hosts: ["branch-gw", "dc-exit"] },
  { shape: "branch", uplinks: 8, strategy: "failover", hosts: ["branch-gw", "dc-exit"] },
  { shape: "two-sites", uplinks: 2, strategy: "ecmp", hosts: ["site-a", "site-b"] },
  { shape: "two-sites", uplinks: 5, strategy: "ecmp", hosts: ["site-a", "site-b"] },
];

for (const c of cases) {
  test(`init --shape ${c.shape} --uplinks ${c.uplinks}: validates and renders as written`, () => {
    const made = netgen(["init", "infra", "--shape", c.shape, "--uplinks", String(c.uplinks)], work);
    assert.is(made.code, 0, made.stderr);
    const file = `infra/inventories/${c.shape}.yaml`;
    assert.match(made.stdout, new RegExp(`wrote ${file} .*\\n  netgen validate ${file}\\n`));
    const text = readFileSync(join(work, file), "utf8");
    assert.match(text, /^# netgen inventory: /);
    assert.is(text.match(new RegExp(`- \\{ ${c.hosts[0]}: `, "g"))?.length, c.uplinks, "one path per uplink");

    const valid = netgen(["validate", file], work);
    assert.is(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, new RegExp(`valid: 2 hosts, 1 bundle: \\S+ \\(${c.strategy}\\)`));
    const rendered = netgen(["render", file, "-o", "out"], work);
    assert.is(rendered.code, 0, rendered.stderr);
    for (const host of c.hosts) assert.match(rendered.stdout, new RegExp(`${host}\\s+\\d+ files`));
    const drawn = netgen(["graph", file], work);
    assert.is(drawn.code, 0, drawn.stderr);
    assert.match(drawn.stdout, new RegExp(`path ${c.uplinks}\\b`));
  });
}

test("the branch's failover bundle: wan1 is primary, the LAN routed back through the bundle", () => {
  netgen(["init", ".", "--uplinks", "3"], work);
  netgen(["render", "inventories/branch.yaml", "-o", "out"], work);
  const netdev = readFileSync(join(work, "out/branch-gw/etc/systemd/network/10-netgen-branch-dc.netdev"), "utf8");
  assert.match(netdev, /Mode=active-backup/);
  assert.match(netdev, /MTUBytes=1462/);
  const exit = readFileSync(join(work, "out/dc-exit/etc/systemd/network/10-netgen-branch-dc.network"), "utf8");
  assert.match(exit, /Destination=192\.168\.10\.0\/24/);
  const dot = netgen(["graph", "inventories/branch.yaml"], work).stdout;
  assert.match(dot, /branch-dc path 1, primary/);
  assert.not.match(dot, /path [23], primary/);
});

test("never overwrites: an existing inventory stays as it was, exit 1, a message saying what to do", () => {
  assert.is(netgen(["init", "."], work).code, 0);
  const file = join(work, "inventories/branch.yaml");
  writeFileSync(file, "# mine\n");
  const again = netgen(["init", ".", "--uplinks", "4"], work);
  assert.is(again.code, 1);
  assert.match(again.stderr, /inventories\/branch.yaml exists already: netgen init never overwrites a file; remove it or give another folder/);
  assert.is(readFileSync(file, "utf8"), "# mine\n");
  assert.is(netgen(["init", ".", "--shape", "two-sites"], work).code, 0, "another shape is another file");
});

test("bad options: exit 1 with the accepted values", () => {
  const few = netgen(["init", ".", "--uplinks", "1"], work);
  assert.is(few.code, 1);
  assert.match(few.stderr, /--uplinks: give a whole number from 2 to 8/);
  const shape = netgen(["init", ".", "--shape", "star"], work);
  assert.is(shape.code, 1);
  assert.match(shape.stderr, /Choices: "branch", "two-sites"/);
});

test.run();
