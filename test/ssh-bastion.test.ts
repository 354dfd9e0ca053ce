// Hosts reached only through bastions (support/hidden-hosts.ts: namespaces,
// real sshd in each, no route from here to the hosts), with a real `netgen
// status` each time: jump: in the inventory, ProxyJump only in an ssh config,
// a chain of two hops, a hop's bad key, a hop that is down, IdentityFile and
// IdentitiesOnly from the ssh config, identity files and a real ssh-agent
// together, a passphrase-protected key through the agent. Each host's sshd
// runs only a ForceCommand that says "reached <host>": status then fails with
// 2, and its message proves which host netgen logged in to.
// Root and namespaces: run under flock /tmp/netgen-heavy.lock.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { netgen } from "./support/cli.js";
import { type HiddenNet, knownHosts, startHiddenNet } from "./support/hidden-hosts.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const work = mkdtempSync(join(tmpdir(), "netgen-bastion-"));
const ready = tierAvailable("hosts behind bastions", [isRoot, file("/usr/sbin/sshd"), command("ssh-keygen"), command("ssh-agent"), command("ssh-add"), command("ip")]);
const key = (name: string, passphrase = "") => {
  execFileSync("ssh-keygen", ["-q", "-N", passphrase, "-t", "ed25519", "-f", join(work, name)]);
  return join(work, name);
};
let net: HiddenNet;
let agent: ChildProcess | undefined;
const agentSocket = join(work, "agent.sock");
let good = "";
let other = "";
let locked = "";
let knownHostsFile = "";

test.before(async () => {
  if (!ready) return;
  good = key("good");
  other = key("other");
  locked = key("locked", "a passphrase");
  // The agent gets the locked key's decrypted twin: the same key, as after ssh-add with the passphrase.
  copyFileSync(locked, join(work, "locked-open"));
  execFileSync("ssh-keygen", ["-q", "-p", "-P", "a passphrase", "-N", "", "-f", join(work, "locked-open")]);
  writeFileSync(join(work, "authorized_keys"), [good, locked].map((k) => readFileSync(`${k}.pub`, "utf8")).join(""));
  net = await startHiddenNet(work, join(work, "authorized_keys"));
  knownHostsFile = knownHosts(join(work, "known_hosts"), [net.a, net.b, net.t1, net.t2]);
  agent = spawn("ssh-agent", ["-D", "-a", agentSocket], { stdio: "ignore" });
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 10000;
    const poll = () => {
      try {
        execFileSync("ssh-add", ["-l"], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: "ignore" });
        resolve();
      } catch (error) {
        // exit 1 = an agent with no keys: it answers
        if ((error as { status?: number }).status === 1) return resolve();
        if (Date.now() > deadline) return reject(new Error("ssh-agent did not answer"));
        setTimeout(poll, 50);
      }
    };
    poll();
  });
});
test.after(() => {
  agent?.kill("SIGKILL");
  net?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The agent holding exactly `keys`. */
function agentHolds(...keys: string[]) {
  const env = { ...process.env, SSH_AUTH_SOCK: agentSocket };
  execFileSync("ssh-add", ["-D"], { env, stdio: "ignore" });
  for (const k of keys) execFileSync("ssh-add", [k], { env, stdio: "ignore" });
}

let projects = 0;
/** A rendered project whose one host `gw` has `ssh` (a YAML flow map), with `defaults` under defaults.ssh. */
function project(ssh: string, defaults = "{}", sshConfig = ""): string {
  const dir = join(work, `p${projects++}`);
  mkdirSync(join(dir, "inventories"), { recursive: true });
  writeFileSync(join(dir, "inventories/lab.yaml"), `netgen: 1\ndefaults: { systemd: 252, ssh: ${defaults} }\nhosts:\n  gw:\n    ssh: ${ssh}\n    uplinks:\n      wan0: { address: 10.77.0.2/24, gateway: 10.77.0.1 }\n`);
  writeFileSync(join(dir, "ssh_config"), sshConfig);
  const r = netgen(["render", "inventories/lab.yaml"], dir, {}, 30000);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  return dir;
}

function status(dir: string, env: Record<string, string> = {}) {
  const r = netgen(["status", "inventories/lab.yaml", "--ssh-config", join(dir, "ssh_config")], dir, { NETGEN_KNOWN_HOSTS: knownHostsFile, NETGEN_GLOBAL_KNOWN_HOSTS: "", SSH_AUTH_SOCK: "", ...env }, 60000);
  const said = `${r.stdout}${r.stderr}`;
  assert.not.match(said, /internal error|\n\s+at \S+ \(/, `a stack trace:\n${said}`);
  return { code: r.code, said };
}

const reached = (r: { code: number; said: string }, host: string) => {
  assert.is(r.code, 2, r.said);
  assert.match(r.said, new RegExp(`reached ${host}\\b`), r.said);
};
const withAgent = { SSH_AUTH_SOCK: agentSocket };

const tests: [string, () => void][] = [
  ["the hidden host is not reachable directly (jump: none)", () => {
    const r = status(project(`{ host: ${net.t1.address}, identity: "${good}", jump: none }`, `{ jump: "root@${net.a.address}:${net.a.port}" }`));
    assert.is(r.code, 4, r.said);
    assert.not.match(r.said, /reached/);
  }],
  ["jump: in the inventory reaches the host behind the bastion", () => {
    reached(status(project(`{ host: ${net.t1.address}, identity: "${good}", jump: "root@${net.a.address}:${net.a.port}" }`)), "t1");
  }],
  ["ProxyJump, HostName, User, Port and IdentityFile only in the ssh config; known_hosts by HostName", () => {
    const config = `Host bastion\n  HostName ${net.a.address}\n  Port ${net.a.port}\n  User root\nHost hidden-*\n  HostName ${net.t1.address}\n  User root\n  IdentityFile ${good}\n  ProxyJump bastion\n`;
    reached(status(project("{ host: hidden-one }", "{}", config)), "t1");
  }],
  ["a chain of two jump hosts from defaults.ssh", () => {
    reached(status(project(`{ host: ${net.t2.address} }`, `{ identity: "${good}", jump: "root@${net.a.address}:${net.a.port},${net.b.address}" }`)), "t2");
  }],
  ["a jump host's changed key is refused, naming the hop", () => {
    const dir = project(`{ host: ${net.t1.address}, identity: "${good}", jump: "bastion" }`, "{}", `Host bastion\n  HostName ${net.a.address}\n  Port ${net.a.port}\n`);
    const wrong = knownHosts(join(work, "known_hosts-wrong"), [net.a, net.t1], new Map([[net.a, net.b.hostKey]]));
    const r = status(dir, { NETGEN_KNOWN_HOSTS: wrong });
    assert.is(r.code, 4, r.said);
    assert.match(r.said, new RegExp(`via bastion ${net.a.address.replace(/\./g, "\\.")}:${net.a.port}: host key CHANGED for \\[${net.a.address.replace(/\./g, "\\.")}\\]:${net.a.port}`));
    assert.not.match(r.said, /reached/);
  }],
  ["an unknown jump host key is refused, naming the hop; diff --accept-new learns it", () => {
    const dir = project(`{ host: ${net.t1.address}, identity: "${good}", jump: "root@${net.a.address}:${net.a.port}" }`);
    const partial = knownHosts(join(work, "known_hosts-partial"), [net.t1]);
    const refused = status(dir, { NETGEN_KNOWN_HOSTS: partial });
    assert.is(refused.code, 4, refused.said);
    assert.match(refused.said, new RegExp(`via ${net.a.address.replace(/\./g, "\\.")}:${net.a.port}: unknown host key ssh-ed25519 SHA256:`));
    const r = netgen(["diff", "inventories/lab.yaml", "--accept-new"], dir, { NETGEN_KNOWN_HOSTS: partial, NETGEN_GLOBAL_KNOWN_HOSTS: "", SSH_AUTH_SOCK: "" }, 60000);
    assert.match(`${r.stdout}${r.stderr}`, /reached t1\b/);
    assert.ok(readFileSync(partial, "utf8").includes(`[${net.a.address}]:${net.a.port} ${net.a.hostKey}\n`), readFileSync(partial, "utf8"));
  }],
  ["a jump host that is down: exit 4, naming the hop", () => {
    const r = status(project(`{ host: ${net.t1.address}, identity: "${good}", jump: "root@${net.a.address}:2999" }`));
    assert.is(r.code, 4, r.said);
    assert.match(r.said, new RegExp(`via ${net.a.address.replace(/\./g, "\\.")}:2999: .*ECONNREFUSED`));
  }],
  ["a host the bastion cannot reach: exit 4, naming the hop that could not forward", () => {
    const r = status(project(`{ host: ${net.t1.address}, port: 2999, identity: "${good}", jump: "root@${net.a.address}:${net.a.port}" }`));
    assert.is(r.code, 4, r.said);
    assert.match(r.said, new RegExp(`via ${net.a.address.replace(/\./g, "\\.")}:${net.a.port}: cannot open a channel to ${net.t1.address.replace(/\./g, "\\.")}:2999`));
  }],
  ["an identity file the host refuses, and the agent's key it accepts: logged in", () => {
    agentHolds(good);
    reached(status(project(`{ host: ${net.t1.address}, identity: "${other}", jump: "root@${net.a.address}:${net.a.port}" }`), withAgent), "t1");
  }],
  ["the agent's key refused, the identity file's accepted: logged in", () => {
    agentHolds(other);
    reached(status(project(`{ host: ${net.t1.address}, identity: "${good}", jump: "root@${net.a.address}:${net.a.port}" }`), withAgent), "t1");
  }],
  ["IdentitiesOnly yes: the agent may not offer its other keys, and the login is refused", () => {
    agentHolds(good);
    const config = (only: string) => `Host ${net.t1.address}\n  IdentityFile ${other}\n  IdentitiesOnly ${only}\n  ProxyJump root@${net.a.address}:${net.a.port}\nHost ${net.a.address}\n  IdentityFile ${good}\n`;
    const refused = status(project(`{ host: ${net.t1.address} }`, "{}", config("yes")), withAgent);
    assert.is(refused.code, 4, refused.said);
    assert.match(refused.said, new RegExp(`${net.t1.address.replace(/\./g, "\\.")}:22: the host refused the login as root with the key .*other and ssh-agent's copy of them`));
    reached(status(project(`{ host: ${net.t1.address} }`, "{}", config("no")), withAgent), "t1");
  }],
  ["a passphrase-protected identity held by the agent: logged in through the agent", () => {
    agentHolds(join(work, "locked-open"));
    reached(status(project(`{ host: ${net.t1.address}, identity: "${locked}", jump: "root@${net.a.address}:${net.a.port}" }`), withAgent), "t1");
  }],
  ["a passphrase-protected identity the agent does not hold: exit 5, nothing contacted", () => {
    agentHolds(good);
    const r = status(project(`{ host: ${net.t1.address}, identity: "${locked}", jump: "root@${net.a.address}:${net.a.port}" }`), withAgent);
    assert.is(r.code, 5, r.said);
    assert.match(r.said, /hosts\.gw\.ssh\.identity .*locked: the key is protected by a passphrase, which netgen does not ask for, and ssh-agent does not hold it: ssh-add /);
  }],
  ["a jump host's missing IdentityFile: exit 5, naming the ssh config", () => {
    const dir = project(`{ host: ${net.t1.address}, identity: "${good}", jump: bastion }`, "{}", `Host bastion\n  HostName ${net.a.address}\n  Port ${net.a.port}\n  IdentityFile ${join(work, "no-such-key")}\n`);
    const r = status(dir);
    assert.is(r.code, 5, r.said);
    assert.match(r.said, /ssh_config: IdentityFile for bastion .*no-such-key: no such file/);
  }],
];
for (const [name, body] of ready ? tests : []) test(name, body);

test.run();
