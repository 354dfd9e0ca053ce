// The namespace builder the lab and the test tiers share (src/lab/namespaces.ts):
// a veth pair carries packets, names carry the owner's pid, and a process that
// throws or is killed with SIGTERM leaves no namespace and no process inside
// behind. Needs root and namespaces: run under /tmp/netgen-heavy.lock.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { inNs, ip, link, newNamespace, removeNamespace, startInNs } from "../src/lab/namespaces.js";
import { waitFor } from "./support/networkd.js";
import { command, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("network namespaces", [isRoot, command("ip")]);
const MODULE = new URL("../src/lab/namespaces.js", import.meta.url).href;

const namespaces = () => ip("netns", "list").split("\n").map((l) => l.split(" ")[0]!).filter(Boolean);
/** Running, not a zombie waiting for a parent that may never reap it. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

/** A node process that builds two linked namespaces with a sleeper inside, reports them, then runs `then` once told to (a line on its stdin). */
function owner(then: string): { child: ChildProcess; report: Promise<{ names: string[]; sleeper: number }>; exit: Promise<number | null> } {
  const script = `
    const { ip, link, newNamespace, startInNs } = await import(${JSON.stringify(MODULE)});
    const a = newNamespace("a"), b = newNamespace("b");
    link(a, "x0", b, "x1");
    const sleeper = startInNs(a, "sleep", ["300"], { stdio: "ignore" });
    while (ip("netns", "identify", String(sleeper.pid)).trim() !== a) await new Promise((r) => setTimeout(r, 20));
    console.log(JSON.stringify({ names: [a, b], sleeper: sleeper.pid }));
    await new Promise((r) => process.stdin.once("data", r));
    ${then}`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const report = waitFor("the owner's namespaces", () => (out.includes("\n") ? JSON.parse(out.split("\n")[0]!) : undefined), 15000);
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, report, exit };
}

if (ready) {
  test("a veth pair between two namespaces carries packets; removal kills what runs inside", async () => {
    const a = newNamespace("ping-a");
    const b = newNamespace("ping-b");
    try {
      assert.ok(a.startsWith(`ngt-${process.pid}-`) && b.startsWith(`ngt-${process.pid}-`), `${a} ${b}`);
      assert.is.not(a, b);
      link(a, "x0", b, "x1");
      ip("-n", a, "addr", "add", "10.9.0.1/30", "dev", "x0");
      ip("-n", b, "addr", "add", "10.9.0.2/30", "dev", "x1");
      assert.match(inNs(a, "ping", ["-c", "1", "-W", "2", "10.9.0.2"]), /1 received/);
      const sleeper = startInNs(b, "sleep", ["300"], { stdio: "ignore" });
      await waitFor("the sleeper to be inside", () => ip("netns", "identify", String(sleeper.pid)).trim() === b || undefined, 5000);
      removeNamespace(b);
      assert.not.ok(namespaces().includes(b));
      assert.is(await waitFor("the sleeper to end", () => sleeper.signalCode ?? undefined, 5000), "SIGKILL");
    } finally {
      removeNamespace(a);
      removeNamespace(b);
    }
  });

  for (const [how, then, code] of [
    ["throws", "throw new Error('a failed build');", 1],
    ["is killed with SIGTERM", "await new Promise(() => setInterval(() => {}, 1000));", 130],
  ] as const) {
    test(`a process that ${how} leaves none of its namespaces or their processes behind`, async () => {
      const run = owner(then);
      const { names, sleeper } = await run.report.catch((error: unknown) => (run.child.kill("SIGKILL"), Promise.reject(error)));
      try {
        assert.is(names.length, 2);
        for (const name of names) assert.ok(name.startsWith(`ngt-${run.child.pid}-`), `${name} carries its owner's pid ${run.child.pid}`);
        assert.ok(names.every((n) => namespaces().includes(n)), "both namespaces exist while the owner runs");
        assert.ok(alive(sleeper), "the sleeper runs inside");
        if (code === 130) run.child.kill("SIGTERM");
        else run.child.stdin!.write("go\n");
        assert.is(await run.exit, code);
        assert.equal(names.filter((n) => namespaces().includes(n)), [], "namespaces left behind");
        await waitFor(`the sleeper (${sleeper}) to be gone`, () => !alive(sleeper) || undefined, 5000);
      } finally {
        run.child.kill("SIGKILL");
        for (const name of names) removeNamespace(name);
      }
    });
  }
} else {
  test("network namespaces tier skipped", () => {});
}

test.run();
