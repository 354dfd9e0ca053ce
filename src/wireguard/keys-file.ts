// Writing inventories/<name>.keys.yaml: the hosts' public keys, sorted, under
// a header that says what the file is. Replaced whole by rename, so a reader
// (render, git, a second `netgen keys`) never sees it half written.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { keysFileOf } from "./keys.js";

/** The text of the keys file of `inventory` holding `hosts` (host -> base64 public key). */
export function keysText(inventory: string, hosts: ReadonlyMap<string, string>): string {
  const lines = [...hosts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([host, key]) => `  ${host}: "${key}"`);
  return [
    `# WireGuard public keys of the hosts of ${basename(inventory)}, written by \`netgen keys\`.`,
    "# Public keys only: each host made its own key pair and its private key never left it.",
    "# Safe to commit; render reads it. A new key for a host: netgen keys INVENTORY --rotate HOST,",
    "# then render and push (the host keeps its old key file for a rollback).",
    lines.length === 0 ? "hosts: {}" : "hosts:",
    ...lines,
    "",
  ].join("\n");
}

/** Replace the keys file of `inventory` with `text`: a temp file beside it, synced, renamed over it. */
export function writeKeysFile(inventory: string, text: string): string {
  const file = keysFileOf(inventory);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, "wx", 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return file;
}
