// The real systemd-networkd 252 of this machine reads every rendered host and
// must not complain about a single line.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { knownDirectives } from "../src/render/directives.js";
import { validateFile } from "../src/pipeline/pipeline.js";
import { scenarios } from "./golden/update.js";
import { buildLab, type Lab, startAll } from "./support/lab-hosts.js";
import { parseWarnings, sleep } from "./support/networkd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";
import { NETWORKD } from "./support/networkd.js";

const THIS_VERSION = 252;
const ready = tierAvailable("real systemd-networkd", [isRoot, file(NETWORKD), command("unshare"), command("ip")]);

const inventories = [
  "inventories/prod.yaml",
  "inventories/ecmp.yaml",
  ...scenarios().map((s) => `test/golden/${s}/inventory.yaml`),
];

if (ready) {
  test("every directive netgen emits for systemd 252 is one networkd 252 knows", () => {
    const binary = readFileSync(NETWORKD).toString("latin1");
    const unknown = knownDirectives(THIS_VERSION).filter((key) => !binary.includes(`${key}\0`));
    assert.equal(unknown, []);
  });

  test("networkd 252 reports a parse warning when there is one (the check can fail)", async () => {
    const lab = buildLab("inventories/prod.yaml", ["devicea", "deviceb"]);
    try {
      const host = lab.hosts.get("devicea")!;
      const network = join(host.root, "etc/systemd/network/10-netgen-veth0.network");
      writeFileSync(network, `${readFileSync(network, "utf8")}\n[Route]\nMultiPathRoute=10.0.0.2@ve/th0 1\nBogusKey=1\n`);
      startAll(lab);
      await sleep(1500);
      const warnings = parseWarnings(host.networkd!.log());
      assert.ok(warnings.some((w) => /Unknown key 'BogusKey'/.test(w)), warnings.join("\n"));
      assert.ok(warnings.some((w) => /Invalid interface name/.test(w)), warnings.join("\n"));
    } finally {
      await lab.teardown();
    }
  });

  for (const inventory of inventories) {
    test(`networkd 252 reads every host of ${inventory} without a warning`, async () => {
      // Hosts declared newer than this networkd are checked against the directive table instead.
      const hosts = validateFile(inventory).hosts.filter((h) => h.systemd <= THIS_VERSION).map((h) => h.name);
      if (hosts.length === 0) return;
      const lab: Lab = buildLab(inventory, hosts);
      try {
        startAll(lab);
        await sleep(1500);
        const problems: string[] = [];
        for (const h of lab.hosts.values()) {
          const log = h.networkd!.log();
          if (!/Enumeration completed/.test(log)) problems.push(`${h.name}: networkd did not start:\n${log}`);
          for (const w of parseWarnings(log)) problems.push(`${h.name}: ${w}`);
        }
        assert.equal(problems, []);
      } finally {
        await lab.teardown();
      }
    });
  }
} else {
  test("real systemd-networkd tier skipped", () => {});
}

test.run();
