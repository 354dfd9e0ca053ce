// The confirmation window on a slow host, with the agent on a scratch root:
// a slow activation does not eat the window (the host re-arms when it ends),
// the first arm still bounds a hung one, some timer is armed at every moment,
// and the activation's exit code is never read half written.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { activationCommand } from "../src/push/agent.js";
import { parseAnswer, recordOf } from "../src/push/protocol.js";
import { AGENT, ScratchHost } from "./support/scratch-agent.js";

let host: ScratchHost;
test.before.each(() => {
  host = new ScratchHost();
  host.release("r1", { "etc/netgen/a.nft": "a1\n" });
  host.release("r2", { "etc/netgen/a.nft": "a2\n" });
  host.ok("activate", "r1");
});
test.after.each(() => rmSync(host.work, { recursive: true, force: true }));

/** The service manager calls the agent made, one a line. */
const calls = () => readFileSync(join(host.work, "calls"), "utf8").split("\n").filter((l) => /^(systemd-run|systemctl stop)/.test(l));
/** The timer re-armed when the activation ended: netgen-expire-ID-PID-window. */
const WINDOW = /^systemd-run --quiet --collect --unit=netgen-expire-r\d-\d+-window /;
const armedWindow = () => calls().find((l) => WINDOW.test(l));

test("a slow activation: the host re-arms the full window when it ends, the new timer before the old one stops", () => {
  host.ok("arm", "r2", "20");
  const r = host.run(["activate", "r2", "--armed", "20"], undefined, { NETGEN_SLOW_AT: "activate-start:2" });
  assert.is(r.status, 0, r.stderr);
  assert.equal(recordOf(parseAnswer("scratch", "activate", r.stdout), "rearmed"), { type: "rearmed", release: "r2", seconds: 20 });
  const c = calls();
  const rearm = c.findIndex((l) => WINDOW.test(l) && l.includes(" --on-active=20 "));
  assert.ok(rearm >= 0, `the window re-armed: ${c.join(" | ")}`);
  const stopFirst = c.findIndex((l, i) => i > rearm && /^systemctl stop netgen-expire-r2-\d+\.timer$/.test(l));
  assert.ok(stopFirst > rearm, `the first timer stops only after the new one runs: ${c.join(" | ")}`);
});

test("a hung activation that outlasts the first window is not re-armed: the first arm bounds it", () => {
  host.ok("arm", "r2", "1");
  const r = host.run(["activate", "r2", "--armed", "20"], undefined, { NETGEN_SLOW_AT: "activate-start:2" });
  assert.is(r.status, 0, r.stderr);
  assert.is(recordOf(parseAnswer("scratch", "activate", r.stdout), "rearmed"), undefined);
  assert.is(armedWindow(), undefined, "no second timer");
  // The first timer fires (its expire waited for the lock): back on r1.
  assert.equal(recordOf(host.answer("expire", "r2"), "rolled-back"), { type: "rolled-back", release: "r1" });
  assert.is(host.link("current"), "r1");
  assert.not.ok(host.has("pending"));
});

test("killed between arming the new timer and stopping the old: an unconfirmed release still ends on the previous one", () => {
  host.ok("arm", "r2", "20");
  const r = host.run(["activate", "r2", "--armed", "20"], "rearmed");
  assert.is(r.signal, "SIGKILL", r.stderr);
  assert.ok(armedWindow(), "the new timer was armed before the kill");
  assert.equal(recordOf(host.answer("expire", "r2"), "rolled-back"), { type: "rolled-back", release: "r1" });
  assert.is(host.link("current"), "r1");
  assert.equal(host.tree(), { "etc/netgen/a.nft": "a1\n" });
});

test("a failed activation re-arms too (the controller undoes it at once; the timer is the fallback)", () => {
  host.ok("arm", "r3", "20");
  const r = host.run(["activate", "r3", "--armed", "20"]);
  assert.is(r.status, 1);
  assert.ok(armedWindow());
  assert.is(host.link("current"), "r1");
});

test("confirm stops both timers", () => {
  host.ok("arm", "r2", "20");
  host.ok("activate", "r2", "--armed", "20");
  host.ok("confirm", "r2");
  const c = calls();
  const window = armedWindow()!.match(/--unit=(\S+)/)![1];
  const last = c.lastIndexOf(`systemctl stop ${window}.timer`);
  assert.ok(last > c.findIndex((l) => WINDOW.test(l)), c.join(" | "));
  assert.not.ok(host.has("armed"));
});

test("wait-activation answers once the exit code is there, with how long ago the activation ended", async () => {
  host.ok("arm", "r2", "20");
  const waiting = host.start(["wait-activation", "10"]);
  const t0 = Date.now();
  const unit = spawn("sh", ["-c", `sleep 1; ${activationCommand("r2", 20, `sh ${AGENT}`, host.state)}`], { env: host.env(), stdio: "ignore" });
  const r = await waiting;
  unit.unref();
  assert.is(r.code, 0);
  const [end, ...log] = parseAnswer("scratch", "wait-activation", r.stdout);
  assert.is(end?.type === "activation" && end.rc, 0, r.stdout);
  assert.ok(end?.type === "activation" && end.endedMsAgo >= 0 && end.endedMsAgo < Date.now() - t0, r.stdout);
  assert.ok(Date.now() - t0 >= 1000, "it waited for the activation");
  assert.equal(recordOf(log, "activated"), { type: "activated", release: "r2", was: "r1" }, r.stdout);
});

test("wait-activation with no activation ending: exit 1 after its time", () => {
  const t0 = Date.now();
  const r = host.run(["wait-activation", "1"]);
  assert.is(r.status, 1);
  assert.ok(Date.now() - t0 >= 1000);
});

test("the exit code file is never seen empty or partial while the activation writes it", () => {
  // An agent that ends at once (`true`), so the writes come as fast as they can, and a
  // reader with no process start per read (the shell's own `read`), as often as it can.
  const rc = join(host.state, "activation.rc");
  const done = join(host.work, "done");
  const script = [
    // The file exists from here on: a rename replaces it, it never goes away.
    activationCommand("r1", 20, "true", host.state),
    `( i=0; while [ $i -lt 1000 ]; do ${activationCommand("r1", 20, "true", host.state)}; i=$((i+1)); done; : > ${done} ) &`,
    `bad=0; reads=0; while [ ! -f ${done} ]; do c=; read -r c < ${rc} || true; reads=$((reads+1)); case $c in 0) ;; *) bad=$((bad+1)) ;; esac; done`,
    "wait; echo reads=$reads bad=$bad",
  ].join("\n");
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8", env: host.env(), timeout: 120000 });
  assert.match(r.stdout, /reads=[1-9]\d* bad=0$/m, r.stdout);
});

test.run();
