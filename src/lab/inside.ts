// Runs where the kernel has bonding, gretap and netem (the lab VM, or this
// machine): builds the bundle's hosts and runs the scenario; prints JSON.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planInventory } from "../plan/plan.js";
import { failoverEndIndex } from "../plan/devices.js";
import { renderHost } from "../render/render-host.js";
import { validateFile } from "../validate/validate.js";
import { failoverScenario } from "./failover.js";
import { buildTopology, loadModules } from "./topology.js";

export interface LabRequest {
  inventory: string;
  bundle: string;
}

export async function runLab(request: LabRequest) {
  const inventory = validateFile(request.inventory);
  const bundle = inventory.bundles.find((b) => b.name === request.bundle)!;
  const hosts = new Set(bundle.ends.map((e) => e.host));
  const files = planInventory(inventory, hosts).map(renderHost);
  loadModules(files, ["sch_netem", "bridge", "veth"]);
  const root = mkdtempSync(join(tmpdir(), "netgen-lab-"));
  const topology = buildTopology(inventory, bundle, files, root);
  try {
    const bondHost = bundle.ends[failoverEndIndex(bundle)]!.host;
    return { bundle: bundle.name, strategy: bundle.strategy, ...(await failoverScenario(topology, bundle, bondHost)) };
  } catch (error) {
    const logs = [...topology.hosts.values()].map((h) => `--- networkd on ${h.name}:\n${h.networkd?.log().slice(-2500) ?? ""}`).join("\n");
    throw new Error(`${(error as Error).message}\n${logs}`);
  } finally {
    await topology.teardown();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("inside.js")) {
  runLab(JSON.parse(process.argv[2]!) as LabRequest).then(
    // Exit explicitly: a namespace's leftover process may still hold a pipe open.
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`lab failed: ${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
