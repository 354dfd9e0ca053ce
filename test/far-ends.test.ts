// Which bundles may come up without their far end during a push: only a bundle
// new on the host whose other end is pushed later or not at all in this run.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { HostState } from "../src/push/agent.js";
import { lonelyBundles } from "../src/push/far-ends.js";
import { validateFile } from "../src/pipeline/pipeline.js";

const inventory = validateFile("inventories/prod.yaml");
const fresh: HostState = { current: "none", previous: "none", releases: [], files: new Map(), networkd: { enabled: "enabled", active: "active" }, managedBy: new Map(), nft: true };
const waves = (...order: string[][]) => new Map(order.flatMap((wave, i) => wave.map((h) => [h, i] as const)));

test("--serial 1: the first end of a new bundle waits for its far end, the second does not", () => {
  const order = waves(["fo-gw"], ["fo-exit"]);
  assert.equal(lonelyBundles(inventory, "fo-gw", order, fresh), ["bond-15-16"]);
  assert.equal(lonelyBundles(inventory, "fo-exit", order, fresh), []);
});

test("both ends at once: neither waits", () => {
  assert.equal(lonelyBundles(inventory, "fo-gw", waves(["fo-gw", "fo-exit"]), fresh), []);
});

test("--limit to one end: its far end is not in the run, it waits", () => {
  assert.equal(lonelyBundles(inventory, "fo-gw", waves(["fo-gw"]), fresh), ["bond-15-16"]);
});

test("a bundle the host already runs is judged as usual", () => {
  const running = { ...fresh, files: new Map([["etc/systemd/network/10-netgen-bond-15-16.netdev", { expected: "a", actual: "a" }]]) };
  assert.equal(lonelyBundles(inventory, "fo-gw", waves(["fo-gw"], ["fo-exit"]), running), []);
});

test.run();
