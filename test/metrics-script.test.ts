// The rendered metrics script, without running it: every line of its loop that
// calls a probe, bond or qdisc function has exactly the words of its form (200
// random inventories), so no inventory value can add a word, a quote or a
// command; and the script parses (sh -n).
import { execFileSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { planInventory } from "../src/plan/plan.js";
import { renderHost } from "../src/render/render-host.js";
import { validateText } from "../src/validate/validate.js";
import { fakeKeys, randomInventory } from "./support/generate.js";

const NAME = "[A-Za-z0-9_.-]{1,64}";
const DEV = "[A-Za-z0-9_.-]{1,15}";
const ADDRESS = "[0-9a-f.:]{2,39}";
const ID = "s[0-9a-f]{10}";
const CALL = [
  new RegExp(`^  probe ${ID} ${ADDRESS} /bin/ping -n -q -I ${DEV} -c 5 -i 0\\.2 -W 1 -w 2 & probes="\\$probes \\$!"$`),
  new RegExp(`^  path ${ID} ${NAME} ${NAME} ${DEV}$`),
  new RegExp(`^  bond_read ${ID} ${DEV}$`),
  new RegExp(`^  bond_path ${ID} ${NAME} ${DEV} ${NAME} (yes|no)$`),
  new RegExp(`^  bond_switches ${ID} ${NAME}$`),
  new RegExp(`^  qdisc ${DEV} ${DEV} (egress|ingress)$`),
];
const CALLED = /^  (probe|path|bond_read|bond_path|bond_switches|qdisc) /;

test("every call in the metrics loop has exactly the words of its form, and the script parses (200 random inventories)", () => {
  const bad: string[] = [];
  let scripts = 0;
  let calls = 0;
  for (let seed = 9000; seed < 9200; seed++) {
    const inventory = validateText("random.yaml", randomInventory(seed));
    fakeKeys(inventory);
    for (const host of planInventory(inventory).map(renderHost)) {
      const script = host.entries.find((e) => e.path === "etc/netgen/metrics.sh");
      if (script === undefined || script.kind !== "file") continue;
      scripts++;
      const loop = script.content.slice(script.content.indexOf("\nwhile :; do\n"));
      for (const line of loop.split("\n").filter((l) => CALLED.test(l))) {
        calls++;
        if (!CALL.some((re) => re.test(line))) bad.push(`seed ${seed} ${host.host}: ${line}`);
      }
      if (scripts <= 20) execFileSync("sh", ["-n"], { input: script.content });
    }
  }
  assert.equal(bad, []);
  assert.ok(scripts > 100 && calls > 4 * scripts, `${scripts} scripts, ${calls} calls`);
});

test.run();
