// Which user, port, address, identities and jump hosts a host is reached with:
// the inventory's host, then defaults.ssh, then an ssh config file, then root
// and 22; and the jump: syntax refused by the schema where it is not ssh -J's.
// The config file is a real one on disk, read through NETGEN_SSH_CONFIG.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readInventory } from "../src/inventory/read.js";
import { parseJump, sshTarget } from "../src/push/ssh-options.js";
import { netgen } from "./support/cli.js";

const work = mkdtempSync(join(tmpdir(), "netgen-ssh-options-"));

// One config for the whole file: ssh-options.ts keeps a parsed file per path.
const config = join(work, "ssh_config");
writeFileSync(
  config,
  [
    "Host bastion",
    "  HostName 203.0.113.7",
    "  User jumper",
    "  Port 2200",
    "  IdentityFile ~/.ssh/bastion_key",
    "Host gw-*",
    "  HostName 10.9.0.%h",
    "  User netops",
    "  Port 2222",
    "  IdentityFile ~/.ssh/a",
    "  IdentityFile /keys/b",
    "  IdentitiesOnly yes",
    "  ProxyJump bastion,admin@inner:2022",
    "Host aliased",
    "  HostKeyAlias gw-key",
    "  Port 2022",
    "",
  ].join("\n"),
);
// npm test runs every file in one process (uvu): the variable is this file's only while it runs.
const before = process.env.NETGEN_SSH_CONFIG;
test.before(() => void (process.env.NETGEN_SSH_CONFIG = config));
test.after(() => {
  if (before === undefined) delete process.env.NETGEN_SSH_CONFIG;
  else process.env.NETGEN_SSH_CONFIG = before;
  rmSync(work, { recursive: true, force: true });
});

function host(ssh: object, defaults: object = {}) {
  return readInventory("x.yaml", { netgen: 1, defaults: { ssh: defaults }, hosts: { gw: { ssh, uplinks: {} } } }).hosts[0]!;
}

test("the ssh config fills what the inventory leaves out; the inventory's host and defaults win", () => {
  const fromConfig = sshTarget(host({ host: "gw-1" }));
  assert.is(fromConfig.address, "10.9.0.gw-1");
  assert.is(fromConfig.user, "netops");
  assert.is(fromConfig.port, 2222);
  assert.equal(fromConfig.identities.map((i) => i.path), [join(homedir(), ".ssh/a"), "/keys/b"]);
  assert.ok(fromConfig.identitiesOnly);
  assert.equal(fromConfig.jumps.map((j) => `${j.user}@${j.address}:${j.port}`), ["jumper@203.0.113.7:2200", "admin@inner:2022"]);
  // A hop the config says nothing about takes the host's identities.
  assert.equal(fromConfig.jumps[1]!.identities.map((i) => i.path), [join(homedir(), ".ssh/a"), "/keys/b"]);

  const defaults = sshTarget(host({ host: "gw-1" }, { user: "deploy", port: 2020, identity: "/keys/fleet", jump: "none" }));
  assert.equal([defaults.user, defaults.port, defaults.identities.map((i) => `${i.where} ${i.path}`), defaults.jumps], ["deploy", 2020, ["defaults.ssh.identity /keys/fleet"], []]);

  const own = sshTarget(host({ host: "gw-1", user: "me", port: 2021, identity: "/keys/own", jump: "hop" }, { user: "deploy", port: 2020, identity: "/keys/fleet", jump: "none" }));
  assert.equal([own.user, own.port, own.identities.map((i) => `${i.where} ${i.path}`)], ["me", 2021, ["hosts.gw.ssh.identity /keys/own"]]);
  assert.equal(own.jumps.map((j) => `${j.user}@${j.address}:${j.port}`), ["me@hop:22"]);
});

test("nothing said anywhere: root, port 22, the name as written, no jump", () => {
  const plain = sshTarget(host({ host: "192.0.2.1" }));
  assert.equal([plain.user, plain.port, plain.address, plain.identities, plain.jumps, plain.identitiesOnly], ["root", 22, "192.0.2.1", [], [], false]);
});

test("known_hosts name: HostKeyAlias without a port, else the HostName with it", () => {
  const alias = sshTarget(host({ host: "aliased" }));
  assert.equal([alias.knownName, alias.knownPort, alias.port], ["gw-key", 22, 2022]);
  const named = sshTarget(host({ host: "gw-3" }));
  assert.equal([named.knownName, named.knownPort], ["10.9.0.gw-3", 2222]);
});

test("jump specs as ssh -J writes them", () => {
  assert.equal(parseJump("a@b:2222,c,[2001:db8::1]:22", "x"), [
    { name: "b", user: "a", port: 2222 },
    { name: "c", user: undefined, port: undefined },
    { name: "2001:db8::1", user: undefined, port: 22 },
  ]);
  assert.equal(parseJump("none", "x"), []);
  assert.throws(() => parseJump("a@b:99999", "defaults.ssh.jump"), /defaults\.ssh\.jump: port 99999 is not 1\.\.65535/);
});

const inventory = (jump: string) => `netgen: 1\nhosts:\n  gw:\n    ssh: { host: 192.0.2.1, jump: "${jump}" }\n    uplinks:\n      wan0: { address: 192.0.2.1/24 }\n`;
for (const [jump, ok] of [["jump@bastion:2222,other", true], ["none", true], ["[2001:db8::1]:22", true], ["a b", false], ["bastion,", false], ["-oProxyCommand=x", false]] as const) {
  test(`schema: jump "${jump}" ${ok ? "accepted" : "refused"}`, () => {
    const file = join(work, `jump-${Buffer.from(jump).toString("hex")}.yaml`);
    writeFileSync(file, inventory(jump));
    const r = netgen(["validate", file], work);
    assert.is(r.code, ok ? 0 : 1, r.stdout + r.stderr);
    if (!ok) assert.match(r.stderr, /:4:\d+: error: .* is not a valid jump hosts \(bastions to go through, as ssh -J/);
  });
}

test.run();
