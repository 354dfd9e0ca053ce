// Every command's user-facing failures, through the CLI: the documented exit
// code (1 bad input, 2 a host failed, 4 a host unreachable, 5 a local key problem),
// a message that says what went wrong, and never a stack trace. The hosts are
// a closed port on 127.0.0.1 and a real sshd that refuses every command (so
// the agent cannot be installed, and nothing is run on this machine).
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CLI, netgen } from "./support/cli.js";
import { freePort, makeKeys, type Sshd, startSshd } from "./support/sshd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const REPO = process.cwd();
const work = mkdtempSync(join(tmpdir(), "netgen-errors-"));
const keys = makeKeys(work);
const ready = tierAvailable("command failures against sshd", [isRoot, file("/usr/sbin/sshd"), command("ssh-keygen")]);
execFileSync("ssh-keygen", ["-q", "-N", "a passphrase", "-t", "ed25519", "-f", join(work, "encrypted-key")]);
execFileSync("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", join(work, "unauthorised-key")]);
let refusing: Sshd | undefined;

/** A project whose one host is at `port`, logging in with `identity` (none: ssh-agent), rendered. */
function project(name: string, port: number, identity: string | undefined): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "inventories"), { recursive: true });
  const inventory = [
    "netgen: 1",
    "defaults: { systemd: 252, ssh: { user: root } }",
    "hosts:",
    "  gw:",
    `    ssh: { host: 127.0.0.1, port: ${port},${identity === undefined ? "" : ` identity: "${identity}",`} host_key: "${keys.hostKey("ed25519")}" }`,
    "    uplinks:",
    "      wan0: { address: 10.77.0.2/24, gateway: 10.77.0.1 }",
    "",
  ].join("\n");
  writeFileSync(join(dir, "inventories/lab.yaml"), inventory);
  // netgen keys asks the ends of wireguard bundles: gw and a second host at the same sshd.
  const ssh = inventory.split("\n").find((l) => l.startsWith("    ssh:"))!;
  const keysInventory = `${inventory}  exit:\n${ssh}\n    uplinks:\n      wan0: { address: 10.78.0.2/24, gateway: 10.78.0.1 }\n      wan1: { address: 10.79.0.2/24, gateway: 10.79.0.1 }\nbundles:\n  wg:\n    strategy: ecmp\n    transport: wireguard\n    link_subnet: 10.99.0.0/30\n    ends:\n      gw: { default_route: true }\n      exit: { routes: [10.10.0.0/24] }\n    paths:\n      - { gw: wan0, exit: wan0 }\n      - { gw: wan0, exit: wan1 }\n`;
  writeFileSync(join(dir, "inventories/keys.yaml"), keysInventory);
  const r = netgen(["render", "inventories/lab.yaml"], dir, {}, 30000);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  return dir;
}

const HOST_COMMANDS = [["push", "--yes"], ["diff"], ["status"], ["rollback", "gw"]].map((c) => [...c, "inventories/lab.yaml"]).concat([["keys", "inventories/keys.yaml"]]);

interface Case {
  name: string;
  /** The project folder and the arguments. */
  run: () => { dir: string; args: string[] };
  code: number;
  message: RegExp;
  env?: Record<string, string>;
}

const cases: Case[] = [];
const hostCase = (what: string, dir: () => string, code: number | ((command: string) => number), message: RegExp, env: Record<string, string> = {}) => {
  for (const args of HOST_COMMANDS) cases.push({ name: `${args[0]}: ${what}`, run: () => ({ dir: dir(), args }), code: typeof code === "number" ? code : code(args[0]!), message, env });
};

let closed = "";
let missing = "";
let encrypted = "";
let refused = "";
let noKey = "";
let folder = "";
let notAKey = "";
let publicKey = "";
let unauthorised = "";
test.before(async () => {
  if (!ready) return;
  closed = project("closed", await freePort(), keys.clientKey);
  missing = project("missing", await freePort(), join(work, "no-such-key"));
  encrypted = project("encrypted", await freePort(), join(work, "encrypted-key"));
  refusing = await startSshd(keys, ["ed25519"], ["ForceCommand=echo this host runs nothing for netgen >&2; exit 1"]);
  refused = project("refused", refusing.port, keys.clientKey);
  noKey = project("no-key", refusing.port, undefined);
  folder = project("folder", refusing.port, work);
  writeFileSync(join(work, "not-a-key.txt"), "just some text\n");
  notAKey = project("not-a-key", refusing.port, join(work, "not-a-key.txt"));
  publicKey = project("public-key", refusing.port, join(work, "unauthorised-key.pub"));
  unauthorised = project("unauthorised", refusing.port, join(work, "unauthorised-key"));
});
test.after(async () => {
  await refusing?.stop();
  rmSync(work, { recursive: true, force: true });
});

hostCase("host unreachable (closed port)", () => closed, 4, /127\.0\.0\.1:\d+.*(ECONNREFUSED|refused)/);
// Local key problems: exit 5, found before any host is contacted (push included), naming the file.
hostCase("identity file missing", () => missing, 5, /hosts\.gw\.ssh\.identity .*no-such-key: no such file/);
hostCase("identity protected by a passphrase, no agent", () => encrypted, 5, /hosts\.gw\.ssh\.identity .*encrypted-key: the key is protected by a passphrase.*no ssh-agent is running.*ssh-add/, { SSH_AUTH_SOCK: "" });
hostCase("identity is a folder", () => folder, 5, /hosts\.gw\.ssh\.identity .*: a folder, not a key file/);
hostCase("identity is not a key", () => notAKey, 5, /hosts\.gw\.ssh\.identity .*not-a-key\.txt: not a private key netgen can use/);
hostCase("identity is a public key", () => publicKey, 5, /hosts\.gw\.ssh\.identity .*unauthorised-key\.pub: a public key, not a private one/);
hostCase("no identity and no ssh-agent", () => noKey, 5, /hosts\.gw: no identity and no ssh-agent is running/, { SSH_AUTH_SOCK: "" });
hostCase("login refused", () => unauthorised, 4, /refused the login as root with the key .*unauthorised-key: is its public key in ~root\/\.ssh\/authorized_keys/);
hostCase("the agent cannot run", () => refused, 2, /could not (install netgen's agent|read the host's (state|status|files)|make the WireGuard key): this host runs nothing for netgen|release/);

const inRepo = () => {
  const dir = join(work, "repo");
  mkdirSync(join(dir, "inventories"), { recursive: true });
  cpSync(join(REPO, "inventories/prod.yaml"), join(dir, "inventories/prod.yaml"));
  writeFileSync(join(dir, "a-file"), "not a folder\n");
  return dir;
};
cases.push(
  { name: "validate: no such inventory", run: () => ({ dir: inRepo(), args: ["validate", "inventories/none.yaml"] }), code: 1, message: /none\.yaml/ },
  { name: "render: -o a file", run: () => ({ dir: inRepo(), args: ["render", "inventories/prod.yaml", "-o", "a-file"] }), code: 1, message: /a-file exists and is not a folder/ },
  { name: "render: -o below a file", run: () => ({ dir: inRepo(), args: ["render", "inventories/prod.yaml", "-o", "a-file/out"] }), code: 1, message: /a-file is a file, not a folder/ },
  { name: "schema: an unknown option", run: () => ({ dir: inRepo(), args: ["schema", "--bogus"] }), code: 1, message: /unknown option '--bogus'/ },
  { name: "lab: --plot below a file", run: () => ({ dir: inRepo(), args: ["lab", "inventories/prod.yaml", "--plot", "a-file/plot.svg"] }), code: 1, message: /a-file is not a folder|run it as root/ },
  { name: "lab: --plot a folder", run: () => ({ dir: inRepo(), args: ["lab", "inventories/prod.yaml", "--plot", "inventories"] }), code: 1, message: /that is a folder|run it as root/ },
);
for (const cmd of ["push", "diff", "status"]) {
  cases.push({
    name: `${cmd}: generated/ is a file`,
    run: () => {
      const dir = inRepo();
      writeFileSync(join(dir, "generated"), "not a folder\n");
      return { dir, args: cmd === "push" ? [cmd, "--yes"] : [cmd] };
    },
    code: 1,
    message: /nothing rendered under generated\//,
  });
}

for (const c of ready ? cases : []) {
  test(c.name, () => {
    const { dir, args } = c.run();
    const r = netgen(args, dir, { NETGEN_KNOWN_HOSTS: join(work, "known_hosts"), ...c.env }, 60000);
    const said = `${r.stdout}${r.stderr}`;
    assert.not.match(said, /internal error|\n\s+at \S+ \(/, `a stack trace from netgen ${args.join(" ")}:\n${said}`);
    assert.is(r.code, c.code, `netgen ${args.join(" ")}:\n${said}`);
    assert.match(said, c.message);
  });
}

// Not a host and not an input: the output itself. A full disk under `> file` loses the tail
// of what netgen printed: that is a failure; a reader that stops early (`| head`) is not.
for (const args of [["schema"], ["validate", "inventories/prod.yaml"]]) {
  test(`${args[0]} > /dev/full: exit 1, the output said to be incomplete`, () => {
    const full = openSync("/dev/full", "w");
    try {
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: inRepo(), stdio: ["ignore", full, "pipe"], encoding: "utf8", timeout: 30000 });
      assert.is(r.status, 1, r.stderr);
      assert.match(r.stderr, /could not write the output \(ENOSPC\): what was written is incomplete/);
    } finally {
      closeSync(full);
    }
  });
}

test("schema | true: a reader that is gone (EPIPE) is not a failure", () => {
  const r = spawnSync("sh", ["-c", 'exec 3>&1; { "$0" "$1" schema; echo "netgen exited $?" >&3; } | true', process.execPath, CLI], { encoding: "utf8", timeout: 30000 });
  assert.is(r.stdout, "netgen exited 0\n", r.stderr);
  assert.not.match(r.stderr, /netgen:/);
});

test.run();
