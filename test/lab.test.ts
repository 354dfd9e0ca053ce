// netgen lab on inventories/prod.yaml, on a real kernel (the VM here): the
// generated failover bundle must move off a cut path in both cut modes and
// come back to the primary. Its table is printed; the timing goals are
// reported by the lab itself (an emulated VM's timers are too noisy to gate on).
import { existsSync, readdirSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type LabReport, labTable } from "../src/commands/lab.js";
import { netgen } from "./support/cli.js";
import { command, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("lab (real kernel with bonding, in a VM)", [
  isRoot,
  command("qemu-system-x86_64"),
  command("iperf3"),
  command("cpio"),
  { what: "a distribution kernel in /boot", ok: () => existsSync("/boot") && readdirSync("/boot").some((f) => f.startsWith("vmlinuz-")) },
  { what: "busybox", ok: () => existsSync("/bin/busybox") },
]);


if (ready) {
  test("the generated failover bundle fails over and comes back, in both cut modes", () => {
    const r = netgen(["lab", "inventories/prod.yaml", "--json"], process.cwd(), {}, 20 * 60 * 1000);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as LabReport;
    process.stdout.write(`\n${labTable(report).join("\n")}\n`);
    assert.equal(report.cuts.map((c) => c.mode), ["drop", "link-down"]);
    for (const c of report.cuts) {
      assert.is(c.activeBefore, report.primary, `${c.mode}: the primary path carries traffic before the cut`);
      assert.is.not(c.activeAfter, c.activeBefore, `${c.mode}: the bond moved off the cut path`);
      assert.ok(c.backToPrimaryMs !== null, `${c.mode}: traffic returned to the primary after the restore`);
    }
  });
} else {
  test("lab tier skipped", () => {});
}

test.run();
