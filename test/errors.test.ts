// Every command's user-facing failures, through the CLI: the documented exit
// code (1 bad input or a local problem, 2 a host failed, 4 a host unreachable),
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
  const r = netgen(["render", "inventories/lab.yaml"], dir, {}, 30000);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  return dir;
}

const HOST_COMMANDS = [["push", "--yes"], ["diff"], ["status"], ["rollback", "gw"]].map((c) => [...c, "inventories/lab.yaml"]);

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
let unauthorised = "";
test.before(async () => {
  if (!ready) return;
  closed = project("closed", await freePort(), keys.clientKey);
  missing = project("missing", await freePort(), join(work, "no-such-key"));
  encrypted = project("encrypted", await freePort(), join(work, "encrypted-key"));
  refusing = await startSshd(keys, ["ed25519"], ["ForceCommand=echo this host runs nothing for netgen >&2; exit 1"]);
  refused = project("refused", refusing.port, keys.clientKey);
  noKey = project("no-key", refusing.port, undefined);
  unauthorised = project("unauthorised", refusing.port, join(work, "unauthorised-key"));
});
test.after(async () => {
  await refusing?.stop();
  rmSync(work, { recursive: true, force: true });
});

hostCase("host unreachable (closed port)", () => closed, 4, /127\.0\.0\.1:\d+.*(ECONNREFUSED|refused)/);
hostCase("identity file missing", () => missing, 1, /hosts\.gw\.ssh\.identity .*no-such-key: no such file/);
hostCase("identity protected by a passphrase", () => encrypted, 1, /hosts\.gw\.ssh\.identity .*encrypted-key: the key is protected by a passphrase.*ssh-add/);
// status reads the agent's state without installing it: a host that runs nothing is not in sync (2).
// Found when the host is contacted (an inventory may name no key and push would still check the tree first):
// push counts that host as failed (2), the one-host commands stop with 1.
hostCase("no identity and no ssh-agent", () => noKey, (command) => (command === "push" ? 2 : 1), /hosts\.gw\.ssh has no identity and no ssh-agent is running/, { SSH_AUTH_SOCK: "" });
hostCase("login refused", () => unauthorised, 4, /refused the login as root with the key .*unauthorised-key: is its public key in ~root\/\.ssh\/authorized_keys/);
hostCase("the agent cannot run", () => refused, 2, /could not (install netgen's agent|read the host's (state|status|files)): this host runs nothing for netgen|release/);

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
