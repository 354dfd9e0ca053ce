// WireGuard keys for lab hosts. A real host creates its pair itself and netgen
// only ever sees the public half (inventories/<name>.keys.yaml); a lab host is
// a namespace of this run, so the lab makes each pair here, as `wg genkey` /
// `wg pubkey` would (X25519, the raw 32 bytes in base64), puts the public keys
// into the inventory for render, and writes each private key where the host's
// .netdev looks for it: a folder of the host's own that its networkd sees as
// /var/lib/netgen/wireguard (startNetworkd bind-mounts it there).
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Inventory } from "../inventory/types.js";
import { privateKeyPath } from "../wireguard/keys.js";

export interface LabKey {
  publicKey: string;
  privateKey: string;
}

const fromJwk = (b64url: string) => Buffer.from(b64url, "base64url").toString("base64");

export function labKey(): LabKey {
  const jwk = generateKeyPairSync("x25519").privateKey.export({ format: "jwk" });
  return { publicKey: fromJwk(jwk.x!), privateKey: fromJwk(jwk.d!) };
}

/** One pair per host that ends a wireguard bundle; the same pairs serve every variant of the inventory. */
export function labKeys(inventory: Inventory): Map<string, LabKey> {
  const keys = new Map<string, LabKey>();
  for (const b of inventory.bundles) if (b.transport === "wireguard") for (const e of b.ends) if (!keys.has(e.host)) keys.set(e.host, labKey());
  return keys;
}

/** Render reads the public keys from the inventory (normally from its keys file). */
export function givePublicKeys(inventory: Inventory, keys: ReadonlyMap<string, LabKey>): Inventory {
  inventory.publicKeys = new Map([...keys].map(([host, k]) => [host, k.publicKey]));
  return inventory;
}

/**
 * The host's key folder, as the agent makes it on a real host: root:systemd-network
 * 0750, the key 0640 (networkd reads it after dropping to systemd-network).
 */
export function writePrivateKey(dir: string, key: LabKey): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, basename(privateKeyPath(key.publicKey)));
  writeFileSync(file, `${key.privateKey}\n`, { mode: 0o640 });
  execFileSync("chown", ["-R", "root:systemd-network", dir]);
  chmodSync(dir, 0o750);
  chmodSync(file, 0o640);
  return dir;
}
