// netgen lab on inventories/prod.yaml, on a real kernel (the VM here): the
// generated failover bundle must move off a cut path in both cut modes and
// come back to the primary; the write-up's layout runs as the control; the
// teql bundle, re-cast as balance-rr and ecmp too, must aggregate as each
// strategy can. Its table is printed; the timing goals are reported by the lab
// itself (an emulated VM's timers are too noisy to gate on).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type LabReport, labTable } from "../src/lab/report.js";
import { netgen } from "./support/cli.js";
import { command, isRoot, labVm, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("lab (real kernel with bonding, in a VM)", [isRoot, ...labVm, command("iperf3"), command("nft")]);

const ratio = (v: number | undefined, unit: number | undefined) => (v ?? 0) / (unit || Infinity);

if (ready) {
  test("prod.yaml: the failover bundle fails over and comes back in both cut modes; teql, balance-rr and ecmp aggregate as they should", () => {
    const dir = mkdtempSync(join(tmpdir(), "netgen-lab-test-"));
    try {
      const plot = join(dir, "cuts.svg");
      const r = netgen(["lab", "inventories/prod.yaml", "--json", "--plot", plot], process.cwd(), {}, 60 * 60 * 1000);
      assert.is(r.code, 0, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout) as LabReport;
      process.stdout.write(`\n${labTable(report).join("\n")}\nVM slowdown x${report.slowdown} (measured at its boot against a quiet VM; its time limit was stretched by as much)\n`);

      const netgenRun = report.failover.find((f) => f.layout === "netgen")!;
      assert.equal(netgenRun.cuts.map((c) => c.mode), ["drop", "link-down"]);
      for (const c of netgenRun.cuts) {
        assert.is(c.activeBefore, netgenRun.primary, `${c.mode}: the primary path carries traffic before the cut`);
        assert.is.not(c.activeAfter, c.activeBefore, `${c.mode}: the bond moved off the cut path`);
        assert.ok(c.backToPrimaryMs !== null, `${c.mode}: traffic returned to the primary after the restore`);
      }
      // The exit's forward policy as rendered: fo-exit's inet0 (DHCP, masquerade) leads to a stranger's segment.
      assert.equal(netgenRun.exitPolicy?.map((p) => [p.exit, p.uplink]), [["fo-exit", "inet0"]]);
      const policy = netgenRun.exitPolicy![0]!;
      assert.ok(policy.outward, "fo-gw reaches the outside through the bundle, masqueraded out of inet0");
      assert.ok(policy.controlReached, "control: without the forward chain the stranger reaches the bundle network");
      assert.ok(policy.inwardRefused, "the stranger on inet0's segment reached the bundle network");
      assert.ok(policy.dropped > 0, "the forward chain counted no drop");
      // fo-gw's metrics loop (as rendered) ran through the cuts: the cut path's kernel failure count and the switches moved.
      const metrics = netgenRun.metrics!;
      const cutPath = metrics.paths.find((p) => p.device === netgenRun.primary)!;
      assert.ok(cutPath.failuresAfter - cutPath.failuresBefore >= 2, `netgen_bundle_path_link_failures_total of the cut path: ${cutPath.failuresBefore} -> ${cutPath.failuresAfter}`);
      assert.ok(metrics.switchesAfter > metrics.switchesBefore, `netgen_bundle_active_path_changes_total: ${metrics.switchesBefore} -> ${metrics.switchesAfter}`);
      // prod.yaml's monitor.missed: 1 reached the kernel (systemd 252: netgen-bond-bond-15-16.service set it).
      assert.equal(netgenRun.monitor, { intervalMs: 100, missed: 1, onBond: 1 });
      const control = report.failover.find((f) => f.layout === "write-up");
      assert.equal(control?.cuts.map((c) => c.mode), ["drop", "link-down"], "the write-up's layout ran as the control");

      const ab = report.throughput.find((t) => t.bundle === "a-b")!;
      assert.equal(ab.strategies.map((s) => [s.strategy, s.error]), [["teql", undefined], ["balance-rr", undefined], ["ecmp", undefined]]);
      assert.ok(ab.onePath! > 3 && ab.onePath! < 5.5, `one path is shaped to 5 Mbit/s (${ab.onePath})`);
      const by = (s: string) => ab.strategies.find((x) => x.strategy === s)!;
      // Looser than the 1.8x goals (the report judges those): an emulated VM is noisy, these must not be.
      assert.ok(ratio(by("teql").oneFlow, ab.onePath) > 1.4, "teql spreads one flow over both paths");
      assert.ok(ratio(by("balance-rr").oneFlow, ab.onePath) > 1.4, "balance-rr spreads one flow over both paths");
      // devicea's uplinks declare egress 5mbit: its bond is paced at 98% of both (plan/pace.ts), gretap's 38 bytes counted per packet.
      assert.match(by("balance-rr").pacer ?? "(none)", /overhead 38\b.*\brate 9800Kbit ceil 9800Kbit/, "the balance-rr bond's pacer unit ran");
      assert.ok(ratio(by("ecmp").oneFlow, ab.onePath) < 1.3, "ecmp keeps one flow on one path");
      assert.ok(ratio(by("ecmp").eightFlows, ab.onePath) > 1.4, "ecmp spreads 8 flows");
      const fo = report.throughput.find((t) => t.bundle === "bond-15-16")!;
      assert.ok(ratio(fo.strategies[0]!.oneFlow, fo.onePath) < 1.3, "active-backup carries one path");
      // fo-gw's uplinks are shaped a little below the ISP's rate: the queue stays on the host.
      assert.is(fo.strategies[0]!.linkFailures, 0, "under 8 saturating flows the bond declared a healthy path down");

      const svg = readFileSync(plot, "utf8");
      assert.match(svg, /^<svg /);
      assert.is(svg.split("cut by ").length - 1, 4, "one panel per cut and layout");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Issue 13: a redundant bundle loses nothing when a path dies. About 2.5 minutes of VM time.
  test("lab-redundant.yaml: a redundant bundle loses no ping and never stalls its TCP stream on either cut, at N times the upload", () => {
    const r = netgen(["lab", "inventories/lab-redundant.yaml", "--bundle", "dup-15-16", "--scenario", "failover", "--json"], process.cwd(), {}, 30 * 60 * 1000);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as LabReport;
    process.stdout.write(`\n${labTable(report).join("\n")}\n`);
    const run = report.failover.find((f) => f.strategy === "redundant")!;
    assert.equal(run.cuts.map((c) => c.mode), ["drop", "link-down"]);
    for (const c of run.cuts) {
      assert.ok(c.sent > 200, `${c.mode}: pings crossed the bundle around the cut (${c.sent})`);
      assert.is(c.lost, 0, `${c.mode}: no ping lost during the cut`);
      assert.is(c.lostAfterRestore, 0, `${c.mode}: no ping lost after the restore`);
      assert.ok(c.tcpSurvived, `${c.mode}: the TCP stream survived`);
      assert.is(c.tcpLongestGapMs, 0, `${c.mode}: no 100 ms interval without data at the iperf3 server`);
      // Two paths: each copy of a ping is answered and each answer crosses both paths.
      assert.ok((c.copiesPerPing ?? 0) > 2.5, `${c.mode}: every packet crossed every path (${c.copiesPerPing} replies per ping)`);
    }
    const cost = run.cost!;
    const upload = cost.uplinkBytes / cost.deliveredBytes;
    assert.ok(upload > 1.9 && upload < 2.5, `two paths cost about twice the upload (${upload.toFixed(2)}x)`);
    assert.ok(ratio(cost.oneFlow, cost.onePath) > 0.7 && ratio(cost.oneFlow, cost.onePath) < 1.3, `one flow runs at about one path (${cost.oneFlow} vs ${cost.onePath} Mbit/s)`);
  });
} else {
  test("lab tier skipped", () => {});
}

test.run();
