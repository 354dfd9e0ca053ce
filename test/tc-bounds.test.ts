// The rate bounds of src/validate/rules/bounds.ts against the real tc and HTB:
// the lowest rate accepted is the lowest tc takes, the highest still gets a
// burst of about one packet, and each side of both bounds is refused by
// validation. Needs root and namespaces: run under /tmp/netgen-heavy.lock.
import { execFileSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InventoryError } from "../src/errors.js";
import { LOW_RATE_BITS, MAX_RATE_BITS, MIN_RATE_BITS } from "../src/validate/rules/bounds.js";
import { validateText } from "../src/pipeline/pipeline.js";
import { BASE } from "./support/bases.js";
import { ip, link, newNamespace, removeNamespace } from "../src/lab/namespaces.js";
import { command, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("tc rate bounds", [isRoot, command("tc")]);

/** The shortest rate text tc and the schema both read for `bits` a second. */
function rateText(bits: number): string {
  for (const [unit, size] of [["gbit", 1e9], ["mbit", 1e6], ["kbit", 1e3]] as const) if (bits % size === 0) return `${bits / size}${unit}`;
  return `${bits}bit`;
}

/** tc's answer to an HTB class at `rate`: its error, or the burst it stored in bytes. */
function htbClass(ns: string, rate: string): { error?: string; burst?: number } {
  try {
    execFileSync("tc", ["-n", ns, "class", "replace", "dev", "s0", "parent", "1:", "classid", "1:1", "htb", "rate", rate, "ceil", rate], { stdio: "pipe", encoding: "utf8" });
  } catch (error) {
    return { error: String((error as { stderr?: string }).stderr ?? error) };
  }
  const shown = execFileSync("tc", ["-n", ns, "-d", "class", "show", "dev", "s0"], { encoding: "utf8" });
  const burst = /\bburst (\d+)b\b/.exec(shown);
  assert.ok(burst, `no burst in: ${shown}`);
  return { burst: Number(burst![1]) };
}

/** The problems validation finds with an uplink shaped at `rate`; warnings count (strict). */
function problemsAt(rate: string): string[] {
  // Both of the failover bond's uplinks shaped both ways: no warning but the rate's own.
  const text = BASE.replace("up2: { address: 10.0.2.2/24, gateway: 10.0.2.1 }", `up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { egress: ${rate}, ingress: 4500kbit } }`)
    .replace("up1: { address: 10.0.1.2/24, gateway: 10.0.1.1 }", "up1: { address: 10.0.1.2/24, gateway: 10.0.1.1, shape: { egress: 4500kbit, ingress: 4500kbit } }");
  try {
    validateText("rate.yaml", text, { strict: true });
    return [];
  } catch (error) {
    if (error instanceof InventoryError) return error.problems.map((p) => p.message);
    throw error;
  }
}

if (ready) {
  test("HTB takes every rate validation accepts, with a burst, and the bounds are tc's", () => {
    const ns = newNamespace("tcbounds");
    try {
      link(ns, "s0", ns, "s1");
      ip("-n", ns, "link", "set", "s0", "up");
      execFileSync("tc", ["-n", ns, "qdisc", "add", "dev", "s0", "root", "handle", "1:", "htb", "default", "1"]);
      const below = htbClass(ns, rateText(MIN_RATE_BITS - 1));
      assert.match(below.error ?? "", /"rate" is required/, `tc took ${rateText(MIN_RATE_BITS - 1)}`);
      const lowest = htbClass(ns, rateText(MIN_RATE_BITS));
      assert.is(lowest.error, undefined, lowest.error);
      const highest = htbClass(ns, rateText(MAX_RATE_BITS));
      assert.ok((highest.burst ?? 0) >= 1000, `burst ${highest.burst}b at ${rateText(MAX_RATE_BITS)}`);
      const twice = htbClass(ns, rateText(2 * MAX_RATE_BITS));
      assert.is(twice.burst, 0, `at ${rateText(2 * MAX_RATE_BITS)} tc kept a burst of ${twice.burst}b: the bound could be raised`);
      for (const rate of ["64kbit", "5mbit", "1gbit"]) assert.ok((htbClass(ns, rate).burst ?? 0) >= 1375, rate);
    } finally {
      removeNamespace(ns);
    }
  });
} else {
  test("tc rate bounds tier skipped", () => {});
}

test("validation: refused outside MIN..MAX, warned below LOW, silent in between", () => {
  assert.match(problemsAt(rateText(MIN_RATE_BITS - 1)).join("\n"), /below 8bit, which tc refuses/);
  assert.match(problemsAt(rateText(MAX_RATE_BITS + 1e6)).join("\n"), /above 4gbit/);
  assert.match(problemsAt(rateText(MAX_RATE_BITS + 1e9)).join("\n"), /above 4gbit/);
  assert.match(problemsAt(rateText(MIN_RATE_BITS)).join("\n"), /1 byte a second.*under --strict/);
  assert.equal(problemsAt(rateText(LOW_RATE_BITS)), []);
  assert.equal(problemsAt(rateText(MAX_RATE_BITS)), []);
});

test.run();
