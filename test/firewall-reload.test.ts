// netgen's table survives Debian's nftables.service, whose /etc/nftables.conf
// begins with "flush ruleset": on a test host with a real systemd (nspawn), the
// rendered netgen-firewall.service beside the distribution's nftables.service,
// through `systemctl reload nftables`, `systemctl restart nftables`, a stop and
// a start of it, and a boot with both enabled. The control: the same nftables.conf loaded by hand (no
// systemd to propagate anything) does remove netgen's table.
// Needs root and systemd-nspawn: run under /tmp/netgen-heavy.lock.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderInventory } from "../src/pipeline/pipeline.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";
import { startFleet } from "./support/test-hosts.js";

const ready = tierAvailable("netgen's table beside nftables.service", [
  isRoot,
  command("systemd-nspawn"),
  command("nft"),
  file("/lib/systemd/system/nftables.service"),
  file("/etc/nftables.conf"),
]);

if (ready) {
  test("reload, restart and boot of nftables.service leave netgen's table loaded", async () => {
    const host = renderInventory("test/golden/systemd-versions/inventory.yaml").hosts.find((h) => h.host === "exit257")!;
    const fleet = await startFleet(1, "fw");
    try {
      const h = fleet.hosts[0]!;
      // The rendered table, its unit and the unit's links (sysinit.target.wants, nftables.service.wants), as push writes them.
      for (const e of host.entries) {
        if (!(e.path.startsWith("etc/netgen/") || e.path.includes("netgen-firewall"))) continue;
        mkdirSync(dirname(join(h.root, e.path)), { recursive: true });
        if (e.kind === "file") writeFileSync(join(h.root, e.path), e.content);
        else symlinkSync(e.target, join(h.root, e.path));
      }
      // Debian's own nftables.conf (flush ruleset, then its inet filter table), as shipped.
      const tables = () => fleet.ssh(h, "nft list tables").trim().split("\n").sort();
      const both = ["table inet filter", "table inet netgen"];
      fleet.ssh(h, "systemctl daemon-reload && systemctl start nftables.service netgen-firewall.service");
      assert.equal(tables(), both, "after both started");

      fleet.ssh(h, "nft -f /etc/nftables.conf");
      assert.equal(tables(), ["table inet filter"], "control: nftables.conf by hand removes netgen's table");
      fleet.ssh(h, "systemctl restart netgen-firewall.service");
      assert.equal(tables(), both);

      fleet.ssh(h, "systemctl reload nftables.service");
      assert.equal(tables(), both, "after systemctl reload nftables");
      fleet.ssh(h, "systemctl restart nftables.service");
      assert.equal(tables(), both, "after systemctl restart nftables");
      assert.match(fleet.ssh(h, "nft list chain inet netgen input"), /meta l4proto gre counter packets \d+ bytes \d+ drop/, "the whole file, not an empty table");
      fleet.ssh(h, "systemctl stop nftables.service");
      assert.equal(fleet.ssh(h, "nft list tables").trim(), "", "nftables.service's stop flushes everything");
      fleet.ssh(h, "systemctl start nftables.service");
      assert.equal(tables(), both, "after systemctl stop, then start nftables");

      // At boot, nftables.service enabled as its [Install] section says (netgen's unit is by its rendered link).
      symlinkSync("/lib/systemd/system/nftables.service", join(h.root, "etc/systemd/system/sysinit.target.wants/nftables.service"));
      await fleet.reboot(h);
      assert.equal(tables(), both, "after a boot with both enabled");
    } finally {
      await fleet.teardown();
    }
  });
} else {
  test("netgen's table beside nftables.service tier skipped", () => {});
}

test.run();
