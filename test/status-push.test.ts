// The whole way on real hosts: netgen pushes an ecmp bundle to two
// systemd-nspawn hosts (systemd, sshd, networkd), systemd runs the pushed
// netgen-metrics.service, and `netgen status` reads its figures back over SSH.
// Then the far end takes one path's link down and status sees that path go.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { link } from "../src/lab/namespaces.js";
import { inventoryFor, Project } from "./support/push-project.js";
import { startFleet, type TestFleet } from "./support/test-hosts.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("status of pushed hosts' metrics", [isRoot, command("systemd-nspawn"), file("/usr/sbin/sshd"), command("ssh-keygen")]);

const ECMP = `bundles:
  e01:
    strategy: ecmp
    ends:
      h0: { routes: [10.200.1.0/24] }
      h1: { routes: [10.200.0.0/24] }
    paths:
      - { h0: up0, h1: up0 }
      - { h0: up1, h1: up1 }
`;

interface Report {
  hosts: { host: string; inSync: boolean; metrics?: { state: string; bundles: { bundle: string; paths: { path: string; state: string; rttMs?: number; lossPercent?: number }[] }[] } }[];
}

if (ready) {
  test("pushed hosts: status --json carries the path figures netgen-metrics.service wrote; a link down at the far end shows", async () => {
    let fleet: TestFleet | undefined;
    const dir = mkdtempSync(join(tmpdir(), "netgen-status-push-"));
    try {
      fleet = await startFleet(2);
      link(fleet.hosts[0]!.ns, "up0", fleet.hosts[1]!.ns, "up0");
      link(fleet.hosts[0]!.ns, "up1", fleet.hosts[1]!.ns, "up1");
      const project = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts") });
      const uplinks = (n: number) => ({ uplinks: { up0: `{ address: 10.90.0.${n}/30 }`, up1: `{ address: 10.91.0.${n}/30 }` } });
      project.write(inventoryFor(fleet, [uplinks(1), uplinks(2)], ECMP));
      project.render();
      const p = project.run(["push", "--yes", "--confirm-timeout", "30"]);
      assert.is(p.code, 0, p.stdout + p.stderr);
      for (const h of fleet.hosts) assert.match(fleet.ssh(h, "systemctl is-active netgen-metrics.service"), /^active/m, `${h.name}: the pushed loop runs`);

      const figures = async (want: (r: Report) => boolean) => {
        const deadline = Date.now() + 60000;
        let last = "";
        for (;;) {
          const s = project.run(["status", "--json"]);
          last = s.stdout + s.stderr;
          const r = s.code === 0 ? (JSON.parse(s.stdout) as Report) : undefined;
          if (r && want(r)) return r;
          if (Date.now() > deadline) throw new Error(`status never showed it; last:\n${last}`);
          await new Promise((res) => setTimeout(res, 2000));
        }
      };
      // The first rounds after a push may lose a probe while neighbours resolve: wait for a whole round.
      const healthy = await figures((r) => r.hosts.every((h) => h.metrics?.state === "fresh" && h.metrics.bundles[0]?.paths.every((x) => x.lossPercent === 0)));
      for (const h of healthy.hosts) {
        assert.is(h.inSync, true, h.host);
        assert.equal(h.metrics!.bundles.map((b) => b.bundle), ["e01"]);
        assert.is(h.metrics!.bundles[0]!.paths.length, 2);
        for (const x of h.metrics!.bundles[0]!.paths) assert.ok(x.state === "up" && x.lossPercent === 0 && x.rttMs! > 0 && x.rttMs! < 200, `${h.host} ${JSON.stringify(x)}`);
      }
      const table = project.run(["status"]);
      assert.is(table.code, 0, table.stdout + table.stderr);
      assert.match(table.stdout, /^HOST +BUNDLE +ACTIVE +PATH +STATE +RTT ms +LOSS % +LINK FAILS +SWITCHES +AGE$/m);
      assert.match(table.stdout, /^h0 +e01 +- +\S+ +up +\d+\.\d\d +0 +- +- +\d+s$/m);
      process.stdout.write(`\n${table.stdout.slice(table.stdout.indexOf("HOST"))}`);

      // h1 takes its end of the first path down: h0 loses every probe on it, the other path stays.
      const first = healthy.hosts[0]!.metrics!.bundles[0]!.paths[0]!.path;
      fleet.ssh(fleet.hosts[1]!, "ip link set up0 down");
      const cut = await figures((r) => r.hosts[0]!.metrics?.bundles[0]?.paths[0]?.state === "down");
      const [gone, kept] = cut.hosts[0]!.metrics!.bundles[0]!.paths;
      assert.is(gone!.path, first);
      assert.is(gone!.lossPercent, 100);
      assert.is(kept!.state, "up");
    } finally {
      await fleet?.teardown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
} else test("status of pushed hosts' metrics skipped", () => {});

test.run();
