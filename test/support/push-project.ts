// A netgen project for push tests: an inventory describing the test hosts,
// rendered, in a temporary folder, as a user's checkout would be.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { netgen } from "./cli.js";
import type { TestFleet } from "./test-hosts.js";

export interface HostSpec {
  /** Extra uplink lines (YAML flow mappings), by uplink name. */
  uplinks?: Record<string, string>;
  mgmt?: string; // override mgmt0's address (to cut the management path)
  hostKey?: string | null; // null: no pin
}

export function inventoryFor(fleet: TestFleet, specs: HostSpec[], bundles = ""): string {
  const hosts = fleet.hosts.map((h, i) => {
    const spec = specs[i] ?? {};
    const key = spec.hostKey === null ? "" : `, host_key: "${spec.hostKey ?? fleet.hostKey}"`;
    const uplinks = Object.entries(spec.uplinks ?? {}).map(([name, body]) => `      ${name}: ${body}`);
    return [`  ${h.name}:`, `    ssh: { host: ${h.address}, identity: "${fleet.keyFile}"${key} }`, "    uplinks:", `      mgmt0: { address: ${spec.mgmt ?? `${h.address}/30`} }`, ...uplinks].join("\n");
  });
  return `netgen: 1\ndefaults: { systemd: 252, ssh: { user: root } }\nhosts:\n${hosts.join("\n")}\n${bundles}`;
}

export class Project {
  constructor(readonly dir: string, readonly env: Record<string, string>) {
    mkdirSync(join(dir, "inventories"), { recursive: true });
  }

  write(inventory: string): void {
    writeFileSync(join(this.dir, "inventories/lab.yaml"), inventory);
  }

  render(): void {
    const r = netgen(["render", "inventories/lab.yaml"], this.dir, this.env);
    if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  }

  run(args: string[]) {
    return netgen(args, this.dir, this.env);
  }
}
