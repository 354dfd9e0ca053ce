// Host keys against a real OpenSSH sshd with ed25519, ECDSA and RSA host keys:
// pinned keys and fingerprints of every type, known_hosts lines (hashed,
// wildcards, negation, case, @revoked, @cert-authority, the global file) and
// --accept-new. Where known_hosts decides, the OpenSSH client is asked too and
// must agree (an outside oracle, as GNU diff is for the unified diff).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Host } from "../src/inventory/types.js";
import { connect } from "../src/push/connection.js";
import { fingerprint } from "../src/push/host-key.js";
import { type KeyKind, type Keys, makeKeys, startSshd } from "./support/sshd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

// sshd runs as root here: it reads its host keys and switches to root for the session.
const ready = tierAvailable("host keys against sshd", [isRoot, file("/usr/sbin/sshd"), command("ssh"), command("ssh-keygen")]);
const dir = mkdtempSync(join(tmpdir(), "netgen-hostkey-"));
const keys: Keys = makeKeys(dir);
const userFile = join(dir, "known_hosts");
const globalFile = join(dir, "ssh_known_hosts");
process.env.NETGEN_KNOWN_HOSTS = userFile;
process.env.NETGEN_GLOBAL_KNOWN_HOSTS = globalFile;

execFileSync("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", join(dir, "other")]);
const otherEd25519 = readFileSync(join(dir, "other.pub"), "utf8").split(" ").slice(0, 2).join(" ");
const fp = (kind: KeyKind) => fingerprint(Buffer.from(keys.hostKey(kind).split(" ")[1]!, "base64"));
/** A hashed host field as `ssh-keygen -H` writes it. */
function hashed(name: string, key: string): string {
  const file = join(dir, "to-hash");
  writeFileSync(file, `${name} ${key}\n`);
  execFileSync("ssh-keygen", ["-q", "-H", "-f", file], { stdio: "ignore" });
  return readFileSync(file, "utf8").trim();
}

interface Case {
  name: string;
  offers: KeyKind[];
  /** The user's and the global known_hosts, given the sshd's port. */
  user?: (port: number) => string;
  global?: (port: number) => string;
  pin?: string;
  address?: string;
  acceptNew?: boolean;
  /** "ok", or the refusal's message. */
  expect: "ok" | RegExp;
  /** Where the user's known_hosts is, below the test's folder (a file named a-file is there). */
  userFile?: string;
  /** The user's known_hosts after the connection. */
  after?: (port: number, before: string) => string;
}

const line = (kind: KeyKind, port: number, prefix = "") => `${prefix}[127.0.0.1]:${port} ${keys.hostKey(kind)}\n`;
const all: KeyKind[] = ["ed25519", "ecdsa", "rsa"];

const CASES: Case[] = [
  { name: "pinned ECDSA key on a host that also has ed25519", offers: all, pin: keys.hostKey("ecdsa"), expect: "ok" },
  { name: "pinned RSA key", offers: all, pin: keys.hostKey("rsa"), expect: "ok" },
  { name: "pinned ed25519 key", offers: all, pin: keys.hostKey("ed25519"), expect: "ok" },
  { name: "pinned RSA fingerprint", offers: all, pin: fp("rsa"), expect: "ok" },
  { name: "pinned ECDSA fingerprint", offers: ["ecdsa", "rsa"], pin: fp("ecdsa"), expect: "ok" },
  { name: "pinned fingerprint of a key the host lacks", offers: ["ed25519", "rsa"], pin: fp("ecdsa"), expect: /host key CHANGED: the inventory pins SHA256:.*ssh-ed25519 SHA256:.*, ssh-rsa SHA256:/ },
  { name: "pinned key of a type the host lacks", offers: ["ed25519"], pin: keys.hostKey("ecdsa"), expect: /host key CHANGED: the inventory pins another key, the host offers ssh-ed25519 SHA256:\S+ and none of the pinned key's type, ecdsa-sha2-nistp256/ },
  { name: "known ECDSA line", offers: all, user: (p) => line("ecdsa", p), expect: "ok" },
  { name: "known RSA line", offers: all, user: (p) => line("rsa", p), expect: "ok" },
  { name: "hashed RSA line", offers: all, user: (p) => `${hashed(`[127.0.0.1]:${p}`, keys.hostKey("rsa"))}\n`, expect: "ok" },
  { name: "hashed line of another port", offers: all, user: (p) => `${hashed(`[127.0.0.1]:${p + 1}`, keys.hostKey("rsa"))}\n`, expect: /unknown host key/ },
  { name: "wildcard pattern", offers: all, user: (p) => `[127.0.0.?]:${p},other ${keys.hostKey("ecdsa")}\n`, expect: "ok" },
  { name: "star pattern", offers: all, user: () => `* ${keys.hostKey("ed25519")}\n`, expect: "ok" },
  { name: "negated pattern rules the line out", offers: all, user: (p) => `[127.0.0.*]:*,![127.0.0.1]:${p} ${keys.hostKey("ed25519")}\n`, expect: /unknown host key/ },
  { name: "negated pattern of another name", offers: all, user: (p) => `[127.0.0.*]:${p},![127.0.0.2]:${p} ${keys.hostKey("ed25519")}\n`, expect: "ok" },
  { name: "host name in another case", offers: all, address: "LocalHost", user: (p) => `[LOCALHOST]:${p} ${keys.hostKey("ecdsa")}\n`, expect: "ok" },
  { name: "key only in the global file", offers: all, global: (p) => line("rsa", p), expect: "ok" },
  { name: "changed key of the known type", offers: ["ed25519"], user: (p) => `[127.0.0.1]:${p} ${otherEd25519}\n`, expect: /host key CHANGED for \[127.0.0.1\]/ },
  { name: "revoked key, also listed as known", offers: all, user: (p) => `@revoked * ${keys.hostKey("ed25519")}\n${line("ed25519", p)}`, expect: /host key REVOKED/ },
  { name: "revoked key is never learnt", offers: ["ed25519"], acceptNew: true, global: () => `@revoked * ${keys.hostKey("ed25519")}\n`, expect: /host key REVOKED/, after: (_, before) => before },
  { name: "revoked pinned key", offers: all, pin: keys.hostKey("ed25519"), global: () => `@revoked * ${keys.hostKey("ed25519")}\n`, expect: /host key REVOKED/ },
  { name: "a certificate authority is not a host key", offers: all, user: (p) => `@cert-authority [127.0.0.1]:${p} ${keys.hostKey("ed25519")}\n`, expect: /unknown host key .*certificate authority/ },
  { name: "a certificate authority's host: --accept-new learns its plain key, as OpenSSH does", offers: ["ed25519"], acceptNew: true, user: (p) => `@cert-authority [127.0.0.1]:${p} ${keys.hostKey("rsa")}\n`, expect: "ok", after: (p, before) => `${before}${line("ed25519", p)}` },
  { name: "a line for the bare address holds the key (OpenSSH accepts it on any port)", offers: all, user: () => `127.0.0.1 ${keys.hostKey("ed25519")}\n`, expect: "ok" },
  { name: "a line for the bare address with another key does not make it CHANGED", offers: ["ed25519"], user: () => `127.0.0.1 ${otherEd25519}\n`, expect: /unknown host key ssh-ed25519/ },
  { name: "known by another type: refused, not learnt", offers: ["ed25519"], acceptNew: true, user: (p) => line("ecdsa", p), expect: /known as ecdsa-sha2-nistp256.*offers ssh-ed25519/, after: (_, before) => before },
  { name: "unknown host refused", offers: all, expect: /unknown host key ssh-ed25519/ },
  { name: "--accept-new with a known_hosts that cannot be written", offers: all, acceptNew: true, userFile: "a-file/known_hosts", expect: /cannot be recorded in .*a-file\/known_hosts: (ENOTDIR|EEXIST)/ },
  {
    name: "--accept-new appends after a last line without newline",
    offers: all,
    acceptNew: true,
    user: () => `other.example ${keys.hostKey("rsa")}`,
    expect: "ok",
    after: (p, before) => `${before}\n${line("ed25519", p)}`,
  },
];

/** What the OpenSSH client decides with the same files. */
function openssh(c: Case, port: number, work: string): "ok" | "refused" {
  const user = join(work, "oracle_known_hosts");
  if (existsSync(userFile)) copyFileSync(userFile, user);
  else writeFileSync(user, "");
  const options = [`UserKnownHostsFile=${user}`, `GlobalKnownHostsFile=${globalFile}`, `StrictHostKeyChecking=${c.acceptNew ? "accept-new" : "yes"}`, "BatchMode=yes", "IdentitiesOnly=yes", "CheckHostIP=no", "ConnectTimeout=10"];
  const r = spawnSync("ssh", ["-F", "/dev/null", "-i", keys.clientKey, ...options.flatMap((o) => ["-o", o]), "-p", String(port), `root@${c.address ?? "127.0.0.1"}`, "true"], { encoding: "utf8", timeout: 20000 });
  return r.status === 0 ? "ok" : "refused";
}

for (const c of ready ? CASES : []) {
  test(c.name, async () => {
    const sshd = await startSshd(keys, c.offers);
    try {
      rmSync(userFile, { force: true });
      writeFileSync(join(dir, "a-file"), "a file, not a folder\n");
      process.env.NETGEN_KNOWN_HOSTS = c.userFile === undefined ? userFile : join(dir, c.userFile);
      writeFileSync(globalFile, c.global?.(sshd.port) ?? "");
      if (c.user) writeFileSync(userFile, c.user(sshd.port));
      const before = existsSync(userFile) ? readFileSync(userFile, "utf8") : "";
      // The oracle first: it must not see what netgen learns.
      const oracle = c.pin === undefined && c.userFile === undefined ? openssh(c, sshd.port, dir) : undefined;
      const host = { name: "gw", ssh: { host: c.address ?? "127.0.0.1", port: sshd.port, user: "root", identity: { value: keys.clientKey, where: "hosts.gw.ssh.identity" }, hostKey: c.pin } } as unknown as Host;
      let outcome: string;
      try {
        const conn = await connect(host, { acceptNew: c.acceptNew ?? false, timeoutMs: 10000 });
        const r = await conn.exec("echo connected");
        conn.close();
        outcome = r.stdout.trim() === "connected" ? "ok" : `exec printed ${r.stdout}`;
      } catch (error) {
        outcome = (error as Error).message;
      }
      if (c.expect === "ok") assert.is(outcome, "ok");
      else assert.match(outcome, c.expect, outcome);
      if (oracle !== undefined) assert.is(oracle, c.expect === "ok" ? "ok" : "refused", `OpenSSH decides otherwise: ${oracle}`);
      if (c.after) assert.is(existsSync(userFile) ? readFileSync(userFile, "utf8") : "", c.after(sshd.port, before));
    } finally {
      await sshd.stop();
    }
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
