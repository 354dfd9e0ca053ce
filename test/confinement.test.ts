// Names can never lead render or push outside their place, and push refuses a
// generated tree that holds anything netgen did not render, before connecting.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ownedPath } from "../src/push/release.js";
import { netgen } from "./support/cli.js";

const REPO = process.cwd();
let work = "";
test.before.each(() => {
  work = mkdtempSync(join(tmpdir(), "netgen-confine-"));
  mkdirSync(join(work, "inventories"));
  cpSync(join(REPO, "inventories/prod.yaml"), join(work, "inventories/prod.yaml"));
  assert.is(netgen(["render", "inventories/prod.yaml"], work).code, 0);
});
test.after.each(() => rmSync(work, { recursive: true, force: true }));

const PLANTS: [string, () => void, RegExp][] = [
  ["an extra file", () => writeFileSync(join(work, "generated/prod/fo-gw/etc/systemd/network/10-netgen-evil.network"), "[Match]\nName=*\n"), /10-netgen-evil.network: not rendered by netgen/],
  ["a file outside netgen's paths", () => (mkdirSync(join(work, "generated/prod/fo-gw/root/.ssh"), { recursive: true }), writeFileSync(join(work, "generated/prod/fo-gw/root/.ssh/authorized_keys"), "ssh-ed25519 AAAA evil\n")), /root\/.ssh\/authorized_keys: not a path netgen writes/],
  ["a rendered file replaced by a symlink", () => (rmSync(join(work, "generated/prod/fo-gw/etc/sysctl.d/60-netgen.conf")), symlinkSync("/etc/shadow", join(work, "generated/prod/fo-gw/etc/sysctl.d/60-netgen.conf"))), /60-netgen.conf: should be a regular file/],
  ["a symlinked folder", () => (rmSync(join(work, "generated/prod/fo-gw/etc/netgen"), { recursive: true, force: true }), symlinkSync("/etc", join(work, "generated/prod/fo-gw/etc/modprobe.d.evil"))), /modprobe.d.evil: not a path netgen writes/],
  ["the host folder a symlink", () => (rmSync(join(work, "generated/prod/fo-exit"), { recursive: true }), symlinkSync("/etc", join(work, "generated/prod/fo-exit"))), /fo-exit is a symbolic link/],
  ["a file edited after render", () => writeFileSync(join(work, "generated/prod/fo-gw/etc/systemd/network/10-netgen-intra15.network"), "[Match]\nName=intra15\n[Network]\nAddress=0.0.0.0/0\n"), /10-netgen-intra15.network: edited after render/],
];

for (const [what, plant, message] of PLANTS) {
  test(`push refuses a generated tree with ${what}, before connecting to anything`, () => {
    plant();
    const r = netgen(["push", "--yes"], work, { NETGEN_KNOWN_HOSTS: join(work, "kh") });
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /connecting/, "no host was contacted");
  });
}

test("only netgen's own paths are pushable", () => {
  for (const ok of ["etc/systemd/network/10-netgen-bond-15-16.netdev", "etc/systemd/system/netgen-shape-intra16.service", "etc/systemd/system/sys-subsystem-net-devices-ifb\\x2dup0.device.wants/netgen-shape-up0.service", "etc/netgen/nat.nft", "etc/sysctl.d/60-netgen.conf"]) assert.ok(ownedPath(ok), ok);
  for (const bad of ["etc/systemd/network/../../shadow", "etc/passwd", "root/.ssh/authorized_keys", "etc/systemd/network/20-other.network", "etc/netgen/../../x", "etc/systemd/system/ssh.service", "/etc/netgen/nat.nft"]) assert.not.ok(ownedPath(bad), bad);
});

test("a stale tree (the inventory changed since render) is refused with the command that fixes it", () => {
  writeFileSync(join(work, "inventories/prod.yaml"), `${readFile("inventories/prod.yaml")}\n# a comment changes the inventory\n`);
  const r = netgen(["push", "--yes"], work);
  assert.is(r.code, 1);
  assert.match(r.stderr, /generated\/prod is stale for fo-gw, fo-exit, devicea, deviceb: .*Run netgen render inventories\/prod.yaml/);
});

function readFile(path: string): string {
  return readFileSync(join(work, path), "utf8");
}

test.run();
