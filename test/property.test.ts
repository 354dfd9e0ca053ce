// Property test over a few hundred seeded random valid inventories: render
// never throws, output is deterministic, and every rendered host passes the
// real systemd-networkd 252 with zero parse warnings. A failing seed is
// printed; replay it with NETGEN_SEED=<seed> npm test.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { HostFiles } from "../src/render/file-set.js";
import { planInventory } from "../src/plan/plan.js";
import { renderHost } from "../src/render/render-host.js";
import { validateText } from "../src/pipeline/pipeline.js";
import { fakeKeys, randomInventory } from "./support/generate.js";
import { newNamespace, removeNamespace } from "../src/lab/namespaces.js";
import { enumerated, NETWORKD, parseWarnings, startNetworkd } from "./support/networkd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const replay = process.env.NETGEN_SEED;
const SEEDS = replay ? [Number(replay)] : Array.from({ length: Number(process.env.NETGEN_PROPERTY_CASES ?? 300) }, (_, i) => 1000 + i);
const rendered = new Map<number, { systemd: Map<string, number>; files: HostFiles[] }>();

test(`render never throws and is deterministic (${SEEDS.length} seeded inventories)`, () => {
  const failures: string[] = [];
  for (const seed of SEEDS) {
    try {
      const text = randomInventory(seed);
      const inventory = validateText("random.yaml", text);
      fakeKeys(inventory);
      const again = validateText("random.yaml", text);
      fakeKeys(again);
      const once = planInventory(inventory).map(renderHost);
      const twice = planInventory(again).map(renderHost);
      if (JSON.stringify(once) !== JSON.stringify(twice)) failures.push(`seed ${seed}: two renders differ`);
      rendered.set(seed, { systemd: new Map(inventory.hosts.map((h) => [h.name, h.systemd])), files: once });
    } catch (error) {
      failures.push(`seed ${seed}: ${(error as Error).message}${(error as { problems?: { line: number; message: string }[] }).problems?.map((p) => `\n    ${p.line}: ${p.message}`).join("") ?? ""}`);
    }
  }
  assert.equal(failures, [], `replay one with NETGEN_SEED=<seed> npm test`);
});

const ready = tierAvailable("property test against the real networkd", [isRoot, file(NETWORKD), command("unshare")]);
if (ready) {
  test("every rendered host (systemd <= 252) passes the real networkd 252 with zero warnings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "netgen-property-"));
    const jobs: { label: string; path: string }[] = [];
    try {
      for (const [seed, r] of rendered) {
        for (const host of r.files) {
          if ((r.systemd.get(host.host) ?? 0) > 252) continue; // newer hosts: checked by the directive table
          const path = join(dir, `${seed}-${host.host}`);
          mkdirSync(path);
          for (const e of host.entries) {
            if (e.kind !== "file" || !e.path.startsWith("etc/systemd/network/")) continue;
            const target = join(path, e.path.slice("etc/systemd/network/".length));
            mkdirSync(dirname(target), { recursive: true });
            writeFileSync(target, e.content);
          }
          jobs.push({ label: `seed ${seed} host ${host.host}`, path });
        }
      }
      assert.ok(jobs.length > SEEDS.length / 2 || replay !== undefined, `only ${jobs.length} hosts to check`);
      const problems: string[] = [];
      for (let i = 0; i < jobs.length; i += 50) {
        const running = jobs.slice(i, i + 50).map((job) => {
          const ns = newNamespace("prop");
          return { job, ns, networkd: startNetworkd(ns, job.path) };
        });
        await Promise.all(
          running.map(async ({ job, ns, networkd }) => {
            try {
              await enumerated(networkd);
            } catch {
              problems.push(`${job.label}: networkd did not read its configuration: ${networkd.log().slice(0, 300)}`);
            }
            const log = await networkd.stop();
            removeNamespace(ns);
            for (const w of parseWarnings(log)) problems.push(`${job.label}: ${w}`);
          }),
        );
      }
      assert.equal(problems, [], "replay one with NETGEN_SEED=<seed> npm test");
      process.stdout.write(`  (${jobs.length} hosts read by networkd 252)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
} else {
  test("property tier against networkd skipped", () => {});
}

test.run();
