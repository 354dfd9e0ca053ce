// netgen lab on inventories/lab-nat.yaml, on a real kernel (the VM here): the
// contract's WireGuard failover bundle, its venue behind an ISP and an LTE
// CGNAT with a DHCP address, its exit behind 1:1 NAT, must come up, carry
// pings, fail over in both cut modes with the TCP stream alive, and carry on
// after its LTE uplink's address changes (a new lease, then the CGNAT's outside
// address). Waits inside the lab are scaled by the VM's measured slowdown; the
// timing goals are the lab's report (an emulated VM is too noisy to gate on
// stalls), the recovery bound is one keepalive stretched by the same slowdown.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type LabReport, labTable } from "../src/lab/report.js";
import { netgen } from "./support/cli.js";
import { command, isRoot, labVm, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("lab (real kernel with wireguard, in a VM)", [isRoot, ...labVm, command("iperf3"), command("nft"), command("busybox")]);

if (ready) {
  test("lab-nat.yaml: a WireGuard failover bundle across NAT and DHCP comes up, fails over, and survives its uplink's address changes", () => {
    const r = netgen(["lab", "inventories/lab-nat.yaml", "--bundle", "stream7", "--scenario", "all", "--json"], process.cwd(), {}, 60 * 60 * 1000);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as LabReport;
    process.stdout.write(`\n${labTable(report).join("\n")}\nVM slowdown x${report.slowdown}\n`);

    const run = report.failover.find((f) => f.bundle === "stream7" && f.layout === "netgen")!;
    assert.is(run.primary, "stream7-fiber");
    assert.equal(run.cuts.map((c) => c.mode), ["drop", "link-down"]);
    for (const c of run.cuts) {
      assert.is(c.activeBefore, run.primary, `${c.mode}: the bond's active path is the primary before the cut (the WireGuard link came up)`);
      assert.is(c.activeAfter, "stream7-lte", `${c.mode}: the bond moved to the path over the LTE uplink behind CGNAT`);
      assert.ok(c.sent > 0 && c.lost < c.sent / 2, `${c.mode}: pings crossed the bundle (${c.lost} lost of ${c.sent})`);
      assert.ok(c.tcpSurvived, `${c.mode}: the TCP stream survived the cut: ${c.tcpOutput ?? ""}`);
      assert.ok(c.backToPrimaryMs !== null, `${c.mode}: traffic returned to the primary after the restore`);
    }

    const changes = report.addressChanges?.find((a) => a.bundle === "stream7");
    assert.equal(changes?.changes.map((c) => c.kind), ["new-lease", "nat-outside"]);
    for (const c of changes!.changes) {
      assert.is.not(c.after, c.before, `${c.kind}: the address really changed`);
      assert.ok(c.recoverMs !== null, `${c.kind}: pings crossed the bundle again after the change`);
      assert.ok(c.recoverMs! <= changes!.keepaliveSeconds * 1000 * report.slowdown, `${c.kind}: recovered within one keepalive (x${report.slowdown}): ${c.recoverMs} ms`);
      assert.ok(c.tcpSurvived, `${c.kind}: the TCP stream survived the address change: ${c.tcpOutput ?? ""}`);
    }
  });
} else {
  test("lab tier skipped", () => {});
}

test.run();
