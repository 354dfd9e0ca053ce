// Sequences a review found that ended on an unconfirmed release, or with a
// pending release and no rollback timer; each runs the real agent on a scratch
// root and fails on the agent before the fix.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ScratchHost, type Tree } from "./support/scratch-agent.js";

const R1: Tree = { "etc/netgen/a.nft": "a1\n", "etc/systemd/network/10-netgen-eth-1.network": "[Match]\nName=eth-1\n" };
const R2: Tree = { "etc/netgen/a.nft": "a2\n", "etc/netgen/only-r2.nft": "r2\n", "etc/systemd/network/10-netgen-eth-1.network": "[Match]\nName=eth-1\n[Network]\nDHCP=no\n" };
const R3: Tree = { "etc/netgen/a.nft": "a3\n" };

let host: ScratchHost;
test.before.each(() => {
  host = new ScratchHost();
  host.release("r1", R1);
  host.release("r2", R2);
  host.release("r3", R3);
  host.ok("activate", "r1");
});
test.after.each(() => rmSync(host.work, { recursive: true, force: true }));

const pending = () => (host.has("pending") ? readFileSync(join(host.state, "pending"), "utf8").trim() : "");
const calls = () => readFileSync(join(host.work, "calls"), "utf8");

test("a push re-run with another release and cut off before its activation: the next boot lands on the confirmed release, file for file", () => {
  host.ok("arm", "r2", "60");
  host.ok("activate", "r2", "--armed");
  host.ok("arm", "r3", "60"); // netgen killed and re-run with r3; the power goes before r3 is activated
  host.ok("boot");
  assert.equal(host.tree(), R1, "exactly r1's files: nothing of r2 left behind");
  assert.is(host.link("current"), "r1");
  assert.is(pending(), "");
});

test("the rollback timer fired before the activation ran: the activation refuses, the host stays on the confirmed release", () => {
  host.ok("arm", "r2", "60");
  host.ok("expire", "r2");
  const r = host.run(["activate", "r2", "--armed"]);
  assert.is.not(r.status, 0, "an activation of a release whose rollback already ran must refuse");
  assert.match(r.stderr, /not armed any more/);
  assert.equal(host.tree(), R1);
  assert.is(pending(), "");
});

test("a re-arm whose timer cannot be started keeps the armed release and its timer (no pending release without a timer)", () => {
  host.ok("arm", "r2", "60");
  host.ok("activate", "r2", "--armed");
  host.shim("systemd-run", "exit 1");
  const r = host.run(["arm", "r3", "60"]);
  assert.is.not(r.status, 0);
  assert.is(pending(), "r2 r1", "still the release whose timer is armed");
  assert.not.match(calls(), /systemctl stop netgen-expire/, "no timer was stopped");
});

test("a rollback whose networkd reload fails keeps its pending marker, and run again it reloads and ends on the confirmed release", () => {
  host.ok("arm", "r2", "60");
  host.ok("activate", "r2", "--armed");
  host.shim("networkctl", "exit 1");
  const failed = host.run(["expire", "r2"]);
  assert.is.not(failed.status, 0, "a rollback that did not reach networkd is not done");
  assert.equal(host.tree(), R1, "the files are r1's");
  assert.is(pending(), "r2 r1", "kept: systemd retries the expire unit");
  host.shim("networkctl", "exit 0");
  const before = calls().length;
  host.ok("expire", "r2");
  assert.match(calls().slice(before), /networkctl reload/, "the retry reloads networkd");
  assert.equal(host.tree(), R1);
  assert.is(pending(), "");
});

test("arm starts a timer of its own name with a restart on failure, and confirm stops timers only after forgetting the release", () => {
  host.ok("arm", "r2", "60");
  assert.match(calls(), /systemd-run --quiet --collect --unit=netgen-expire-r2-\d+ .*-p Restart=on-failure/);
  host.ok("activate", "r2", "--armed");
  host.ok("confirm", "r2");
  assert.is(pending(), "");
});

test.run();
