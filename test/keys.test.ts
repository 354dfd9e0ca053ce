// netgen keys against real hosts (systemd-nspawn containers with sshd and
// networkd): each host makes its key pair, the public keys land in
// inventories/<name>.keys.yaml, a rotation makes a new key file beside the old,
// and no private key byte appears in any output, file or log netgen makes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { KEY_DIR, KEY_PATTERN, privateKeyPath, readKeys } from "../src/wireguard/keys.js";
import { inventoryFor, Project } from "./support/push-project.js";
import { startFleet, type TestFleet } from "./support/test-hosts.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("netgen keys against real hosts", [isRoot, command("systemd-nspawn"), file("/usr/sbin/sshd"), command("ssh-keygen"), command("wg")]);

let fleet: TestFleet;
let project: Project;
/** stdout and stderr of every netgen command run here. */
let said = "";
const KEYS = "inventories/lab.keys.yaml";

function keys(...args: string[]) {
  const r = project.run(["keys", "inventories/lab.yaml", ...args]);
  said += r.stdout + r.stderr;
  return r;
}
/** host -> public key, from a `netgen keys` output line "h0: created KEY". */
function reported(stdout: string, outcome: string): Map<string, string> {
  return new Map([...stdout.matchAll(new RegExp(`^(h\\d): ${outcome} (\\S+)`, "gm"))].map((m) => [m[1]!, m[2]!]));
}
const onHost = (h: number, cmd: string) => fleet.ssh(fleet.hosts[h]!, cmd).trim();
/** netgen keys asks the ends of wireguard bundles: one between h0 and h1. */
const UPLINKS = [{ uplinks: { up0: "{ address: 10.90.0.1/30 }", up1: "{ address: 10.91.0.1/30 }" } }, { uplinks: { up0: "{ address: 10.90.0.2/30 }", up1: "{ address: 10.91.0.2/30 }" } }];
const BUNDLE = `bundles:
  wg:
    strategy: failover
    transport: wireguard
    link_subnet: 10.99.0.0/29
    ends:
      h0: { address: 10.42.0.1/24, default_route: true }
      h1: { address: 10.42.0.2/24 }
    paths:
      - { name: a, h0: up0, h1: up0 }
      - { name: b, h0: up1, h1: up1 }
`;
const withBundle = () => inventoryFor(fleet, UPLINKS, BUNDLE);

if (ready) {
  test.before(async () => {
    fleet = await startFleet(2);
    const dir = mkdtempSync(join(tmpdir(), "netgen-keys-"));
    project = new Project(dir, { NETGEN_KNOWN_HOSTS: join(dir, "known_hosts") });
    project.write(withBundle());
  });
  test.after(async () => {
    await fleet?.teardown();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  let first = new Map<string, string>();

  test("first run: each host makes a key, at privateKeyPath(its public key), 0640 root:systemd-network; the keys file has both", () => {
    const r = keys();
    assert.is(r.code, 0, r.stdout + r.stderr);
    first = reported(r.stdout, "created");
    assert.equal([...first.keys()].sort(), ["h0", "h1"]);
    assert.match(r.stdout, /inventories\/lab\.keys\.yaml: written \(2 hosts\)/);
    for (const [i, name] of ["h0", "h1"].entries()) {
      const pub = first.get(name)!;
      assert.ok(KEY_PATTERN.test(pub));
      assert.is(onHost(i, `stat -c '%a %U %G' ${KEY_DIR} ${privateKeyPath(pub)}`), "750 root systemd-network\n640 root systemd-network");
      assert.is(onHost(i, `wg pubkey < ${privateKeyPath(pub)}`), pub, "the file holds the private half of the reported key");
      assert.is(onHost(i, `readlink ${KEY_DIR}/current`), basename(privateKeyPath(pub)));
      // networkd reads PrivateKeyFile= as systemd-network: that user, and no other, can.
      assert.is(onHost(i, `setpriv --reuid=systemd-network --regid=systemd-network --clear-groups sh -c 'wg pubkey < ${privateKeyPath(pub)}'`), pub);
      assert.match(onHost(i, `setpriv --reuid=nobody --regid=nogroup --clear-groups cat ${privateKeyPath(pub)} 2>&1 || true`), /Permission denied/);
    }
    const file = readKeys(join(project.dir, "inventories/lab.yaml"));
    assert.equal(file.problems, []);
    assert.equal(Object.fromEntries(file.hosts), Object.fromEntries(first));
    const text = readFileSync(join(project.dir, KEYS), "utf8");
    assert.match(text, /^# WireGuard public keys .*\n(#.*\n)*hosts:\n {2}h0: "\S+"\n {2}h1: "\S+"\n$/);
    assert.match(text, /safe to commit/i);
  });

  test("a second run changes nothing: the same keys, the file untouched", () => {
    const before = readFileSync(join(project.dir, KEYS), "utf8");
    const r = keys();
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.equal(reported(r.stdout, "unchanged"), first);
    assert.match(r.stdout, /lab\.keys\.yaml: unchanged/);
    assert.is(readFileSync(join(project.dir, KEYS), "utf8"), before);
    assert.is(onHost(0, `ls ${KEY_DIR}`), `current\n${basename(privateKeyPath(first.get("h0")!))}`);
  });

  test("render and push with the keys in place: the releases and logs exist for the leak check below", () => {
    // The bundle's rendered files name the key file; the push goes without the
    // bundle, which this kernel cannot run (push-wireguard.test pushes one in the lab VM).
    project.render();
    said += readFileSync(join(project.dir, "generated/lab/h0/etc/systemd/network/10-netgen-wg.netdev"), "utf8");
    project.write(inventoryFor(fleet, UPLINKS));
    project.render();
    const r = project.run(["push", "--yes", "--confirm-timeout", "30"]);
    said += r.stdout + r.stderr;
    assert.is(r.code, 0, r.stdout + r.stderr);
    project.write(withBundle());
  });

  test("--rotate h0: a new key file on h0, the old one kept, h1 untouched; --limit keeps the keys of the hosts not asked", () => {
    const r = keys("--rotate", "h0");
    assert.is(r.code, 0, r.stdout + r.stderr);
    const rotated = reported(r.stdout, "rotated");
    assert.equal([...rotated.keys()], ["h0"]);
    assert.match(r.stdout, new RegExp(`h0: rotated \\S+ \\(was ${first.get("h0")!.replace(/[+/]/g, "\\$&")}\\)`));
    assert.equal(reported(r.stdout, "unchanged"), new Map([["h1", first.get("h1")!]]));
    const h0 = rotated.get("h0")!;
    assert.is.not(h0, first.get("h0"));
    assert.is(onHost(0, `ls ${KEY_DIR}`).split("\n").sort().join(" "), ["current", basename(privateKeyPath(first.get("h0")!)), basename(privateKeyPath(h0))].sort().join(" "));
    assert.is(onHost(0, `readlink ${KEY_DIR}/current`), basename(privateKeyPath(h0)));
    assert.equal(Object.fromEntries(readKeys(join(project.dir, "inventories/lab.yaml")).hosts), { h0: h0, h1: first.get("h1") });

    const limited = keys("--limit", "h1", "--rotate", "h1");
    assert.is(limited.code, 0, limited.stdout + limited.stderr);
    assert.not.match(limited.stdout, /^h0:/m, "h0 was not asked");
    const h1 = reported(limited.stdout, "rotated").get("h1")!;
    assert.equal(Object.fromEntries(readKeys(join(project.dir, "inventories/lab.yaml")).hosts), { h0: h0, h1: h1 }, "h0's key kept");
  });

  test("an unreachable host: exit 4, the keys of the others still written", () => {
    const text = readFileSync(join(project.dir, "inventories/lab.yaml"), "utf8");
    writeFileSync(join(project.dir, "inventories/lab.yaml"), text.replace(fleet.hosts[1]!.address, "127.0.0.1, port: 1"));
    rmSync(join(project.dir, KEYS));
    try {
      const r = keys();
      assert.is(r.code, 4, r.stdout + r.stderr);
      assert.match(r.stdout, /^h1: unreachable: 127\.0\.0\.1:1: .*(ECONNREFUSED|refused)/m);
      assert.equal([...readKeys(join(project.dir, "inventories/lab.yaml")).hosts.keys()], ["h0"]);
      // No host answers: the keys file is left as it is, a line netgen would not write included.
      const file = join(project.dir, KEYS);
      writeFileSync(file, `${readFileSync(file, "utf8")}# kept by hand\n`);
      writeFileSync(join(project.dir, "inventories/lab.yaml"), text.replace(fleet.hosts[0]!.address, "127.0.0.1, port: 1").replace(fleet.hosts[1]!.address, "127.0.0.1, port: 1"));
      const none = keys();
      assert.is(none.code, 4, none.stdout + none.stderr);
      assert.match(none.stdout, /: unchanged \(no host answered\)$/m);
      assert.match(readFileSync(file, "utf8"), /# kept by hand\n$/, "the keys file was rewritten though no host answered");
    } finally {
      writeFileSync(join(project.dir, "inventories/lab.yaml"), text);
    }
    assert.is(keys().code, 0);
  });

  test("no private key byte anywhere: outputs, keys file, generated/, the hosts' state folders and journals", () => {
    const tree = execFileSync("sh", ["-c", "find . -type f ! -name known_hosts -exec cat {} +"], { cwd: project.dir, encoding: "utf8", maxBuffer: 64 << 20 });
    assert.match(tree, /hosts:\n {2}h0:/, "the project's files were read");
    for (const i of [0, 1]) {
      const secrets = onHost(i, `cat ${KEY_DIR}/wg-*.key`).split("\n");
      assert.ok(secrets.length >= 2 && secrets.every((s) => KEY_PATTERN.test(s)), `${fleet.hosts[i]!.name}: every key made, old ones included`);
      for (const secret of secrets) {
        assert.not.ok(said.includes(secret), "a private key in a netgen command's output");
        assert.not.ok(tree.includes(secret), "a private key in the project (keys file, generated/, inventory)");
      }
      // On the host: every file under the state folder but the keys themselves, and the whole journal.
      assert.ok(onHost(i, "test -s /var/lib/netgen/activation.log && echo yes") === "yes", "the agent's log exists");
      const found = onHost(i, `for f in ${KEY_DIR}/wg-*.key; do grep -rlF -f "$f" /var/lib/netgen --exclude-dir=wireguard; journalctl --no-pager -q | grep -cF -f "$f"; done; true`);
      assert.is(found, secrets.map(() => "0").join("\n"), `private key bytes found on ${fleet.hosts[i]!.name}: ${found}`);
    }
  });
}

test.run();
