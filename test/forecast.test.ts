// push --dry-run's forecast per bundle (src/push/forecast.ts), from the agent's
// plan records as the protocol parses them and the bundle devices the inventory
// names: a device on a path that goes (a path renamed or removed, so the new
// inventory no longer names its tunnel or WireGuard link) pauses the bundle.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateText } from "../src/pipeline/pipeline.js";
import { bundleDevices, forecastOf } from "../src/push/forecast.js";
import { parseAnswer } from "../src/push/protocol.js";

const inventory = validateText(
  "forecast.yaml",
  `netgen: 1
defaults: { systemd: 252 }
hosts:
  h0:
    ssh: { host: 10.0.0.1 }
    uplinks: { up0: { address: 10.90.0.1/30 }, up1: { address: 10.91.0.1/30 } }
  h1:
    ssh: { host: 10.0.0.2 }
    uplinks: { up0: { address: 10.90.0.2/30 }, up1: { address: 10.91.0.2/30 } }
bundles:
  b0:
    strategy: failover
    ends:
      h0: { address: 10.42.0.1/24, default_route: true }
      h1: { address: 10.42.0.2/24 }
    paths:
      - { name: b, h0: up0, h1: up0, primary: true }
      - { name: c, h0: up1, h1: up1 }
`,
);

const plan = (...devices: [string, string, string][]) =>
  parseAnswer("h0", "plan", devices.map(([name, change, why]) => JSON.stringify({ type: "device", name, change, why, settleMs: 0 })).join("\n") + '\n{"type":"planned","release":"r2","was":"r1"}\n');

test("the tunnel of a path renamed away (deleted, not named by the new inventory) pauses its bundle", () => {
  const f = forecastOf(plan(["b0-a", "delete", "its .netdev goes"], ["b0-b", "create", "its .netdev is new"]), bundleDevices(inventory, "h0"));
  assert.equal(f.bundles, [{ bundle: "b0", pauses: true, because: ["b0-a deleted"] }]);
});

test("a device of nobody's path deleted, or only created, does not pause the bundle", () => {
  const f = forecastOf(plan(["dummy9", "delete", "its .netdev goes"], ["b0-d", "create", "its .netdev is new"]), bundleDevices(inventory, "h0"));
  assert.equal(f.bundles, [{ bundle: "b0", pauses: false, because: [] }]);
});

test.run();
