// Which name a host's key is looked up under in known_hosts when the ssh
// config renames the host: OpenSSH's client decides, on the same files. With
// `HostName`, the address connected to (`[address]:port`), not the alias; with
// `HostKeyAlias`, the alias alone, without a port (measured: OpenSSH 9.2).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Host } from "../src/inventory/types.js";
import { connect } from "../src/push/connection.js";
import { makeKeys, type Sshd, startSshd } from "./support/sshd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const dir = mkdtempSync(join(tmpdir(), "netgen-known-name-"));
const ready = tierAvailable("known_hosts names against OpenSSH", [isRoot, file("/usr/sbin/sshd"), command("ssh"), command("ssh-keygen")]);
const keys = makeKeys(dir);
const config = join(dir, "ssh_config");
const knownHosts = join(dir, "known_hosts");
let sshd: Sshd | undefined;
const saved = { config: process.env.NETGEN_SSH_CONFIG, known: process.env.NETGEN_KNOWN_HOSTS, global: process.env.NETGEN_GLOBAL_KNOWN_HOSTS, agent: process.env.SSH_AUTH_SOCK };

test.before(async () => {
  if (!ready) return;
  sshd = await startSshd(keys, ["ed25519"]);
  const host = (name: string, extra = "") => `Host ${name}\n  HostName 127.0.0.1\n  Port ${sshd!.port}\n  User root\n  IdentityFile ${keys.clientKey}\n${extra}`;
  writeFileSync(config, host("renamed") + host("aliased", "  HostKeyAlias key-name\n"));
  Object.assign(process.env, { NETGEN_SSH_CONFIG: config, NETGEN_KNOWN_HOSTS: knownHosts, NETGEN_GLOBAL_KNOWN_HOSTS: "", SSH_AUTH_SOCK: "" });
});
test.after(async () => {
  await sshd?.stop();
  for (const [name, value] of [["NETGEN_SSH_CONFIG", saved.config], ["NETGEN_KNOWN_HOSTS", saved.known], ["NETGEN_GLOBAL_KNOWN_HOSTS", saved.global], ["SSH_AUTH_SOCK", saved.agent]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

function openssh(name: string): "ok" | "refused" {
  const options = [`UserKnownHostsFile=${knownHosts}`, "GlobalKnownHostsFile=/dev/null", "StrictHostKeyChecking=yes", "BatchMode=yes", "CheckHostIP=no", "ConnectTimeout=10"];
  const r = spawnSync("ssh", ["-F", config, ...options.flatMap((o) => ["-o", o]), name, "true"], { encoding: "utf8", timeout: 20000 });
  return r.status === 0 ? "ok" : "refused";
}

async function netgen(name: string): Promise<"ok" | "refused"> {
  const host = { name: "gw", groups: [], ssh: { host: name } } as unknown as Host;
  try {
    const conn = await connect(host, { acceptNew: false, timeoutMs: 10000 });
    conn.close();
    return "ok";
  } catch (error) {
    if (!/host key|unknown/i.test((error as Error).message)) throw error;
    return "refused";
  }
}

const cases: { name: string; host: string; line: (port: number) => string; expect: "ok" | "refused" }[] = [
  { name: "HostName: a line for [address]:port vouches", host: "renamed", line: (p) => `[127.0.0.1]:${p}`, expect: "ok" },
  { name: "HostName: a line for the alias does not", host: "renamed", line: (p) => `renamed,[renamed]:${p}`, expect: "refused" },
  { name: "HostKeyAlias: a line for the alias, no port, vouches", host: "aliased", line: () => "key-name", expect: "ok" },
  { name: "HostKeyAlias: a line for [alias]:port does not", host: "aliased", line: (p) => `[key-name]:${p}`, expect: "refused" },
];
for (const c of ready ? cases : []) {
  test(c.name, async () => {
    writeFileSync(knownHosts, `${c.line(sshd!.port)} ${keys.hostKey("ed25519")}\n`);
    assert.is(openssh(c.host), c.expect, "OpenSSH");
    assert.is(await netgen(c.host), c.expect, "netgen");
  });
}

test.run();
