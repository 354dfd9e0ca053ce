// The agent killed (SIGKILL, with everything it started) at every named step
// of activate, expire, rollback, boot and of finishing an interrupted switch,
// then restarted the way a host would: the rollback timer fires (expire), or
// the power was cut and the next boot runs the guard (boot). After that the
// root holds exactly one release, file for file, and an unconfirmed release
// has always ended on the release before it.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { recordOf } from "../src/push/protocol.js";
import { ScratchHost, type Tree } from "./support/scratch-agent.js";

const WANTS = "etc/systemd/system/sys-subsystem-net-devices-eth\\x2d1.device.wants";
const R1: Tree = {
  "etc/netgen/a.nft": "a1\n",
  "etc/netgen/b.nft": "b1\n",
  "etc/sysctl.d/60-netgen.conf": "net.ipv4.ip_forward = 1\n",
  "etc/systemd/network/10-netgen-eth-1.network": "[Match]\nName=eth-1\n",
  "etc/systemd/system/netgen-shape-eth-1.service": "[Unit]\n",
  [`${WANTS}/netgen-shape-eth-1.service`]: { link: "../netgen-shape-eth-1.service" },
};
const R2: Tree = {
  "etc/netgen/a.nft": "a2\n",
  "etc/netgen/c.nft": "c2\n",
  "etc/sysctl.d/60-netgen.conf": "net.ipv4.ip_forward = 1\nnet.ipv4.fib_multipath_hash_policy = 1\n",
  "etc/systemd/network/10-netgen-eth-1.network": "[Match]\nName=eth-1\n[Network]\nAddress=10.0.0.1/24\n",
  "etc/systemd/network/10-netgen-br0.netdev": "[NetDev]\nName=br0\nKind=bridge\n",
  "etc/systemd/system/netgen-shape-eth-2.service": "[Unit]\n",
  [`${WANTS.replace("1", "2")}/netgen-shape-eth-2.service`]: { link: "../netgen-shape-eth-2.service" },
};
const TREES: Record<string, Tree> = { r1: R1, r2: R2 };

/** Every step a switch passes, and the steps around it in each verb. */
const SWITCH = ["journal", "remove", "write", "files-done", "current", "links", "journal-cleared"];
const ACTIVATE = ["locked", "activate-start", ...SWITCH, "reloaded", "sysctl-saved"];
const EXPIRE = [...ACTIVATE, "expire-activated"];
const BOOT = ["locked", ...SWITCH, "boot-switched"];

let host: ScratchHost;
test.before.each(() => {
  host = new ScratchHost();
  host.release("r1", R1);
  host.release("r2", R2);
  host.ok("activate", "r1");
});
test.after.each(() => rmSync(host.work, { recursive: true, force: true }));

/** The host is on `id`: its files exactly, nothing pending, no switch half done. */
function assertOn(id: string, why: string): void {
  assert.equal(host.tree(), TREES[id], `${why}: the files are exactly ${id}'s`);
  assert.is(host.link("current"), id, `${why}: current`);
  assert.not.ok(host.has("switching"), `${why}: no journal left`);
  assert.not.ok(host.has("pending"), `${why}: nothing pending`);
}

function crash(args: string[], step: string, why: string): void {
  const r = host.run(args, step);
  assert.is(r.signal, "SIGKILL", `${why}: the agent reached ${step} and was killed (${r.status}: ${r.stderr})`);
}

for (const restart of ["expire", "boot"] as const) {
  for (const step of ACTIVATE) {
    test(`activate of an unconfirmed release killed at ${step}, then ${restart}: back on the previous release`, () => {
      host.ok("arm", "r2", "30");
      crash(["activate", "r2"], step, "activate");
      host.ok(...(restart === "expire" ? ["expire", "r2"] : ["boot"]));
      assertOn("r1", `killed at ${step}, ${restart}`);
      if (restart === "expire") assert.is(host.sysctl("net/ipv4/fib_multipath_hash_policy"), "0", "the unconfirmed release's sysctl undone");
    });
  }
}

for (const step of EXPIRE) {
  test(`expire killed at ${step}, then the power cut: the next boot ends on the previous release`, () => {
    host.ok("arm", "r2", "30");
    host.ok("activate", "r2");
    crash(["expire", "r2"], step, "expire");
    host.ok("boot");
    assertOn("r1", `expire killed at ${step}`);
  });
}

for (const step of BOOT) {
  test(`boot killed at ${step} (power cut during the guard), then boot again: the previous release`, () => {
    host.ok("arm", "r2", "30");
    host.ok("activate", "r2");
    crash(["boot"], step, "boot");
    host.ok("boot");
    assertOn("r1", `boot killed at ${step}`);
  });
}

for (const step of ACTIVATE) {
  test(`rollback (to r1 from a confirmed r2) killed at ${step}: the timer or a boot ends on r2`, () => {
    host.ok("arm", "r2", "30");
    host.ok("activate", "r2");
    host.ok("confirm", "r2");
    host.ok("arm", "r1", "30");
    crash(["activate", "r1"], step, "rollback");
    host.ok("expire", "r1");
    assertOn("r2", `rollback killed at ${step}`);
  });
}

for (const step of ["locked", ...SWITCH]) {
  test(`finishing an interrupted switch killed at ${step}, then boot: the previous release`, () => {
    host.ok("arm", "r2", "30");
    crash(["activate", "r2"], "write", "activate");
    crash(["expire", "r2"], step, "finishing");
    host.ok("boot");
    assertOn("r1", `finish killed at ${step}`);
  });
}

for (const step of ACTIVATE) {
  test(`a confirmed-path activate (no pending) killed at ${step}, then boot: exactly the old or the new release`, () => {
    crash(["activate", "r2"], step, "activate");
    host.ok("boot");
    const on = host.link("current");
    assert.ok(on === "r1" || on === "r2", on);
    assertOn(on, `killed at ${step}`);
  });
}

test("a re-armed release keeps the release before the first arm as its fallback", () => {
  host.ok("arm", "r2", "30");
  host.ok("activate", "r2");
  host.ok("arm", "r2", "30");
  assert.equal(recordOf(host.answer("expire", "r2"), "rolled-back"), { type: "rolled-back", release: "r1" });
  assertOn("r1", "after expire");
});

test("expire for a release no longer pending changes nothing and says so", () => {
  assert.equal(recordOf(host.answer("expire", "r2"), "nothing-pending"), { type: "nothing-pending", release: "r2", current: "r1" });
  assertOn("r1", "untouched");
});

test("a second agent waits for the lock: it starts only when the first lets go", async () => {
  const holder = host.start(["arm", "r2", "30"]);
  await holder;
  // Hold the lock from outside for a second, as a long activation would.
  const held = Date.now();
  const locker = execFileSync("sh", ["-c", `flock '${host.state}/lock' sleep 1 & echo $!`], { encoding: "utf8" });
  await new Promise((r) => setTimeout(r, 100));
  const r = await host.start(["activate", "r2"]);
  assert.is(r.code, 0);
  assert.ok(Date.now() - held >= 950, `the activation waited for the lock (${Date.now() - held} ms)`);
  assert.ok(locker.trim().length > 0);
});

test("two agents started at once, twenty times: every time the root is one release", async () => {
  for (let i = 0; i < 20; i++) {
    const [a, b] = await Promise.all([host.start(["activate", "r1"]), host.start(["activate", "r2"])]);
    assert.is(a.code, 0);
    assert.is(b.code, 0);
    const on = host.link("current");
    assert.equal(host.tree(), TREES[on], `round ${i}: exactly ${on}`);
    assert.not.ok(host.has("switching"));
  }
});

test.run();
