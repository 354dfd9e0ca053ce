// The agent's wireguard-key verb on a scratch state folder, with the real `wg`:
// the key file is named by privateKeyPath()'s rule, made once, replaced only
// with --rotate (the old file stays), readable by networkd's user and by no
// one else, and its bytes never appear in anything the agent prints or logs.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { STATE_DIR } from "../src/push/agent.js";
import { parseAnswer } from "../src/push/protocol.js";
import { KEY_DIR, KEY_PATTERN, privateKeyPath } from "../src/wireguard/keys.js";
import { AGENT, ScratchHost } from "./support/scratch-agent.js";
import { command, isRoot, tierAvailable } from "./support/tier.js";

const networkGroup = { what: "group systemd-network", ok: () => spawnSync("getent", ["group", "systemd-network"]).status === 0 };
const ready = tierAvailable("the agent's WireGuard keys", [isRoot, command("wg"), command("setpriv"), networkGroup]);

/** Skipped (loudly, see tierAvailable) where the tier cannot run. */
const check = ready ? test : test.skip;

let host: ScratchHost;
/** Everything the agent printed or logged in this test. */
let said = "";

function keyVerb(...args: string[]): { code: number; out: string; err: string } {
  const r = host.run(["wireguard-key", ...args]);
  said += r.stdout + r.stderr;
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
function keyOf(r: { code: number; out: string; err: string }, outcome: string): string {
  assert.is(r.code, 0, r.err);
  // One record of the protocol, nothing else on stdout.
  const records = parseAnswer("scratch", "wireguard-key", r.out);
  assert.is(records.length, 1, `expected one record, got ${JSON.stringify(r.out)}`);
  const key = records[0]!;
  assert.ok(key.type === "key" && key.outcome === outcome, `expected a key record "${outcome}", got ${JSON.stringify(r.out)}`);
  assert.ok(KEY_PATTERN.test(key.public), key.public);
  return key.public;
}
const keyDir = () => join(host.state, "wireguard");
const keyFiles = () => readdirSync(keyDir()).filter((f) => /^wg-.*\.key$/.test(f)).sort();
const fileOf = (publicKey: string) => join(keyDir(), basename(privateKeyPath(publicKey)));

/** No private key of the host in `text`, nor in the shims' record of logger's arguments. */
function assertNoPrivateKey(text: string): void {
  const calls = existsSync(join(host.work, "calls")) ? readFileSync(join(host.work, "calls"), "utf8") : "";
  for (const f of readdirSync(keyDir()).filter((f) => f.endsWith(".key"))) {
    const secret = readFileSync(join(keyDir(), f), "utf8").trim();
    assert.ok(KEY_PATTERN.test(secret), `${f} holds a key`);
    assert.not.ok(text.includes(secret), `the private key of ${f} was printed`);
    assert.not.ok(calls.includes(secret), `the private key of ${f} was logged`);
  }
}

test.before.each(() => {
  host = new ScratchHost();
  // networkd's user must pass through every folder above the keys (mkdtemp made this one 0700).
  chmodSync(host.work, 0o755);
  said = "";
});
test.after.each(() => rmSync(host.work, { recursive: true, force: true }));

check("the key folder and file name are privateKeyPath()'s: the agent's default state folder, wireguard/, wg-<16 hex of sha256>", () => {
  assert.is(dirname(privateKeyPath("x")), KEY_DIR);
  assert.is(KEY_DIR, `${STATE_DIR}/wireguard`);
  assert.match(readFileSync(AGENT, "utf8"), /^STATE=\$\{NETGEN_STATE:-\/var\/lib\/netgen\}$/m);
  const pub = keyOf(keyVerb(), "created");
  assert.equal(keyFiles(), [basename(privateKeyPath(pub))]);
  const expected = `wg-${execFileSync("sh", ["-c", 'printf %s "$1" | sha256sum | cut -c1-16', "sh", pub], { encoding: "utf8" }).trim()}.key`;
  assert.is(basename(privateKeyPath(pub)), expected, "the same rule as sha256sum of the base64 text");
  assert.is(execFileSync("wg", ["pubkey"], { input: readFileSync(fileOf(pub)), encoding: "utf8" }).trim(), pub, "the file holds the private half of the printed key");
});

check("made once, the same on every run; --rotate makes a new file, keeps the old one and moves current", () => {
  const first = keyOf(keyVerb(), "created");
  assert.is(keyOf(keyVerb(), "unchanged"), first);
  assert.is(readlinkSync(join(keyDir(), "current")), basename(privateKeyPath(first)));
  const second = keyOf(keyVerb("--rotate"), "rotated");
  assert.is.not(second, first);
  assert.equal(keyFiles(), [basename(privateKeyPath(first)), basename(privateKeyPath(second))].sort());
  assert.is(readlinkSync(join(keyDir(), "current")), basename(privateKeyPath(second)));
  assert.is(keyOf(keyVerb(), "unchanged"), second);
  assertNoPrivateKey(said);
});

check("modes: folder 0750 and files 0640, root:systemd-network; user systemd-network reads the key, another user does not", () => {
  const pub = keyOf(keyVerb(), "created");
  const owner = (p: string) => execFileSync("stat", ["-c", "%a %U %G", p], { encoding: "utf8" }).trim();
  assert.is(owner(keyDir()), "750 root systemd-network");
  assert.is(owner(fileOf(pub)), "640 root systemd-network");
  const as = (user: string) => spawnSync("setpriv", [`--reuid=${user}`, `--regid=${user}`, "--clear-groups", "cat", fileOf(pub)], { encoding: "utf8" });
  const network = as("systemd-network");
  assert.is(network.status, 0, network.stderr);
  assert.is(network.stdout, readFileSync(fileOf(pub), "utf8"));
  assert.is.not(as("nobody").status, 0, "nobody reads a private key");
});

check("refused, nothing made: a folder above the keys that networkd's user cannot pass, and a host without wg", () => {
  chmodSync(host.work, 0o700);
  const closed = keyVerb();
  assert.is(closed.code, 1);
  assert.match(closed.err, new RegExp(`cannot pass through ${host.work} \\(700 root:root\\).*chmod o\\+x ${host.work}`));
  assert.not.ok(existsSync(keyDir()));
  chmodSync(host.work, 0o755);
  // Every tool of this machine but wg.
  const bin = join(host.work, "no-wg");
  mkdirSync(bin);
  for (const dir of ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    for (const tool of existsSync(dir) ? readdirSync(dir) : []) if (tool !== "wg" && !existsSync(join(bin, tool))) symlinkSync(join(dir, tool), join(bin, tool));
  }
  const r = host.run(["wireguard-key"], undefined, { PATH: bin });
  assert.is(r.status, 1);
  assert.match(r.stderr, /wg is not installed on this host: install the package wireguard-tools/);
  assert.not.ok(existsSync(keyDir()));
});

check("without a systemd-network group the files are root:root, and the agent says so", () => {
  host.shim("getent", "exit 2");
  const r = keyVerb();
  const pub = keyOf(r, "created");
  assert.match(r.err, /no group systemd-network on this host: key files are root:root 0640/);
  assert.is(execFileSync("stat", ["-c", "%a %U %G", fileOf(pub)], { encoding: "utf8" }).trim(), "640 root root");
});

check("rotations keep the current key, every key a release names and the newest 3 unused; older unused ones go", () => {
  const keys = [keyOf(keyVerb(), "created")];
  host.release("r1", { "etc/systemd/network/10-netgen-wg0.netdev": `[WireGuard]\nPrivateKeyFile=${privateKeyPath(keys[0]!)}\n` });
  for (let i = 0; i < 6; i++) {
    keys.push(keyOf(keyVerb("--rotate"), "rotated"));
    // Distinct mtimes, oldest first, as keys made over months would have.
    utimesSync(fileOf(keys[i + 1]!), 1000 + i, 1000 + i);
  }
  keyOf(keyVerb(), "unchanged");
  const kept = [keys[0]!, keys[3]!, keys[4]!, keys[5]!, keys[6]!].map((k) => basename(privateKeyPath(k))).sort();
  assert.equal(keyFiles(), kept);
  assertNoPrivateKey(said);
});

check("a killed run's leftovers go, and an unknown option is refused", () => {
  keyOf(keyVerb(), "created");
  execFileSync("sh", ["-c", `umask 077; wg genkey > '${keyDir()}/.new-key.abc123'`]);
  keyOf(keyVerb(), "unchanged");
  assert.not.ok(existsSync(join(keyDir(), ".new-key.abc123")));
  const r = keyVerb("--rotat");
  assert.is(r.code, 1);
  assert.match(r.err, /wireguard-key: unknown option --rotat/);
});

test.run();
