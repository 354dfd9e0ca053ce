// Render and the keys file beside the inventory: a wireguard end without a key
// is refused with the command that makes it, a keys file that does not read is
// refused at its line, and with keys each .netdev names its host's key file
// (never a key) and its peer's public key.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { privateKeyPath } from "../src/wireguard/keys.js";
import { netgen } from "./support/cli.js";

const GOLDEN = "test/golden/wireguard";
const withProject = (body: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), "netgen-wgr-"));
  try {
    cpSync(join(GOLDEN, "inventory.yaml"), join(dir, "inv.yaml"));
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
const keys = () => readFileSync(join(GOLDEN, "inventory.keys.yaml"), "utf8");

test("no keys file: render names every host without a key and the command to run, writes nothing", () => {
  withProject((dir) => {
    const r = netgen(["render", "inv.yaml", "-o", "out"], dir);
    assert.is(r.code, 1, r.stdout + r.stderr);
    for (const host of ["venue-7", "dc-exit-2", "site-a", "site-b"]) assert.match(r.stderr, new RegExp(`${host} has no WireGuard public key in inv\\.keys\\.yaml`));
    assert.match(r.stderr, /run netgen keys inv\.yaml/);
    assert.not.ok(existsSync(join(dir, "out")), "nothing written");
    // validate does not need keys: `netgen keys` must be able to read the inventory first.
    assert.is(netgen(["validate", "inv.yaml"], dir).code, 0);
  });
});

test("--limit asks only for the keys the chosen hosts' bundles need", () => {
  withProject((dir) => {
    writeFileSync(join(dir, "inv.keys.yaml"), keys().replace(/^ {2}site-a: .*\n/m, ""));
    assert.is(netgen(["render", "inv.yaml", "-o", "out", "--limit", "venue-7"], dir).code, 0);
    const r = netgen(["render", "inv.yaml", "-o", "out2", "--limit", "site-b"], dir);
    assert.is(r.code, 1);
    assert.match(r.stderr, /site-a has no WireGuard public key/);
  });
});

test("a keys file that does not read is refused at its line", () => {
  withProject((dir) => {
    writeFileSync(join(dir, "inv.keys.yaml"), keys().replace(/venue-7: "[^"]+"/, 'venue-7: "not-a-key"'));
    const r = netgen(["render", "inv.yaml", "-o", "out"], dir);
    assert.is(r.code, 1);
    assert.match(r.stderr, /inv\.keys\.yaml:\d+:1: error: the key of venue-7 is not a WireGuard public key/);
  });
});

test("with keys: each WireGuard .netdev names its host's key file by its public key, and the peer's public key", () => {
  withProject((dir) => {
    writeFileSync(join(dir, "inv.keys.yaml"), keys());
    assert.is(netgen(["render", "inv.yaml", "-o", "out"], dir).code, 0);
    const key = (host: string) => new RegExp(`^  ${host}: "([^"]+)"`, "m").exec(keys())![1]!;
    const netdevs = (host: string) => readdirSync(join(dir, "out", host, "etc/systemd/network")).filter((f) => f.endsWith(".netdev")).map((f) => readFileSync(join(dir, "out", host, "etc/systemd/network", f), "utf8")).filter((t) => /^Kind=wireguard$/m.test(t));
    const venue = netdevs("venue-7");
    assert.is(venue.length, 2);
    for (const text of venue) {
      assert.match(text, new RegExp(`^PrivateKeyFile=${privateKeyPath(key("venue-7")).replace(/\./g, "\\.")}$`, "m"));
      assert.ok(text.includes(`PublicKey=${key("dc-exit-2")}\n`), text);
    }
  });
});

test.run();
