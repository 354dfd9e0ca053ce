// Test hosts with a real systemd as PID 1, a real OpenSSH sshd and the real
// systemd-networkd: systemd-nspawn containers booted from an overlay of this
// machine's root, each in a network namespace with a management veth
// (see shared/docs/testing-on-these-machines.md). Everything is torn down
// after use and at exit.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ip, newNamespace, removeNamespace } from "../../src/lab/namespaces.js";
import { waitFor } from "./networkd.js";

export interface TestHost {
  name: string;
  index: number;
  ns: string;
  root: string;
  address: string; // management address, reachable from this machine
  hostLink: string;
  nspawn?: ChildProcess;
}

export interface TestFleet {
  hosts: TestHost[];
  keyFile: string;
  hostKey: string;
  dir: string;
  ssh(host: TestHost, command: string): string;
  reboot(host: TestHost): Promise<void>;
  teardown(): Promise<void>;
}

const live = new Set<() => void>();
process.on("exit", () => {
  for (const clean of live) clean();
});

/** A hung command (a host that stopped answering) fails its test instead of hanging the run. */
function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120000 });
}

/** Management links are 172.31.<base+i>.0/30; NETGEN_TEST_SUBNET moves them (two runs at once). */
const SUBNET_BASE = Number(process.env.NETGEN_TEST_SUBNET ?? 160);
const BOOT_BATCH = 10;

const INOTIFY = "/proc/sys/fs/inotify/max_user_instances";

/**
 * Each booted systemd holds several inotify instances; the default limit of
 * 128 per user stops the 16th container's sshd from starting. Raised while a
 * fleet is up, restored after.
 */
function raiseInotify(count: number): () => void {
  const before = Number(readFileSync(INOTIFY, "utf8"));
  const needed = 128 + count * 32;
  if (before >= needed) return () => {};
  writeFileSync(INOTIFY, String(needed));
  return () => writeFileSync(INOTIFY, String(before));
}

export async function startFleet(count: number, label = "h"): Promise<TestFleet> {
  const restoreInotify = raiseInotify(count);
  const dir = mkdtempSync(join(tmpdir(), "netgen-hosts-"));
  const keyFile = join(dir, "id_ed25519");
  sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "netgen-test", "-f", keyFile]);
  const hostKey = readFileSync("/etc/ssh/ssh_host_ed25519_key.pub", "utf8").split(" ").slice(0, 2).join(" ");
  const hosts: TestHost[] = [];
  const fleet: TestFleet = {
    hosts,
    keyFile,
    hostKey,
    dir,
    ssh: (host, command) =>
      sh("ssh", ["-i", keyFile, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", `root@${host.address}`, command]),
    reboot: async (host) => {
      try {
        fleet.ssh(host, "systemctl reboot");
      } catch {
        /* the connection drops */
      }
      await new Promise<void>((resolve) => host.nspawn?.once("exit", () => resolve()));
      boot(host);
      await waitSsh(fleet, host);
    },
    teardown: async () => {
      await Promise.all(hosts.map((h) => stopHost(h)));
      rmSync(dir, { recursive: true, force: true });
      restoreInotify();
    },
  };
  const cleanup = () => {
    for (const h of hosts) stopHostSync(h);
  };
  live.add(cleanup);
  try {
    for (let i = 0; i < count; i++) hosts.push(prepareHost(`${label}${i}`, i, dir, `${keyFile}.pub`));
    // Booted ten at a time: thirty systemd containers starting at once on two
    // cores leave some without sshd for over a minute.
    for (let i = 0; i < hosts.length; i += BOOT_BATCH) {
      const batch = hosts.slice(i, i + BOOT_BATCH);
      for (const h of batch) boot(h);
      await Promise.all(batch.map((h) => waitSsh(fleet, h)));
    }
  } catch (error) {
    await fleet.teardown();
    throw error;
  }
  return fleet;
}

function prepareHost(name: string, index: number, dir: string, publicKey: string): TestHost {
  const base = join(dir, name);
  mkdirSync(base);
  sh("mount", ["-t", "tmpfs", "-o", "size=512m", "tmpfs", base]);
  for (const d of ["upper", "work", "root"]) mkdirSync(join(base, d));
  const root = join(base, "root");
  sh("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=/,upperdir=${base}/upper,workdir=${base}/work`, root]);
  writeFileSync(join(root, "etc/machine-id"), `${sh("systemd-id128", ["new"]).trim()}\n`);
  writeFileSync(join(root, "etc/hostname"), `${name}\n`);
  mkdirSync(join(root, "root/.ssh"), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, "root/.ssh/authorized_keys"), readFileSync(publicKey), { mode: 0o600 });
  // A managed host's root shell, not this machine's: its .bashrc runs `pyenv
  // init` (a rehash under a lock) in every SSH command, and one session cut off
  // inside it left a stale lock that made every later login wait 60 s (a push
  // timed out in push-wireguard.test).
  writeFileSync(join(root, "root/.bashrc"), "# test host: a plain root shell\n");
  writeFileSync(join(root, "root/.profile"), "# test host: a plain root shell\n");
  // Only what a managed host needs: sshd and networkd; nothing of this machine's own services.
  const wants = join(root, "etc/systemd/system/multi-user.target.wants");
  rmSync(wants, { recursive: true, force: true });
  mkdirSync(wants, { recursive: true });
  symlinkSync("/lib/systemd/system/ssh.service", join(wants, "ssh.service"));
  symlinkSync("/lib/systemd/system/systemd-networkd.service", join(wants, "systemd-networkd.service"));
  // No logind sessions for SSH logins: the tests open hundreds of short
  // sessions, and pam_systemd in a container raced logind ("Transaction for
  // session-N.scope/start is destructive") and then left every later login
  // hanging. A managed host needs nothing from logind.
  const pamSession = join(root, "etc/pam.d/common-session");
  writeFileSync(pamSession, readFileSync(pamSession, "utf8").replace(/^session\s+optional\s+pam_systemd\.so.*$/m, "# pam_systemd removed on this test host"));
  for (const d of ["etc/systemd/network", "var/lib/netgen", "etc/netgen"]) rmSync(join(root, d), { recursive: true, force: true });
  mkdirSync(join(root, "etc/systemd/network"), { recursive: true });
  const subnet = `172.31.${SUBNET_BASE + index}`;
  // The management address is configured outside netgen's files (50- sorts after netgen's 10-).
  writeFileSync(join(root, "etc/systemd/network/50-mgmt.network"), `[Match]\nName=mgmt0\n[Network]\nAddress=${subnet}.2/30\n`);
  const ns = newNamespace(name);
  const hostLink = `ngm-${process.pid % 1000}-${index}`.slice(0, 15);
  ip("link", "add", hostLink, "type", "veth", "peer", "name", "mgmt0", "netns", ns);
  ip("addr", "add", `${subnet}.1/30`, "dev", hostLink);
  ip("link", "set", hostLink, "up");
  return { name, index, ns, root, address: `${subnet}.2`, hostLink };
}

function boot(host: TestHost): void {
  host.nspawn = spawn(
    "systemd-nspawn",
    ["-q", "-D", host.root, `--network-namespace-path=/run/netns/${host.ns}`, "-M", host.name, "--register=no", "--keep-unit", "--capability=CAP_NET_ADMIN,CAP_NET_RAW", "--console=read-only", "-b", "--", "systemd.firstboot=off"],
    // /proc/sys/net writable, as on a real host: netgen's sysctl.d (forwarding, rp_filter) applies.
    // nspawn mounts /proc/sys read-only, and systemd-sysctl then skips every key without an error.
    { stdio: "ignore", env: { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: "network" } },
  );
}

async function waitSsh(fleet: TestFleet, host: TestHost): Promise<void> {
  await waitFor(`${host.name} answering SSH`, () => fleet.ssh(host, "systemctl is-system-running --wait >/dev/null 2>&1; echo up").includes("up"), 120000);
}

async function stopHost(host: TestHost): Promise<void> {
  const child = host.nspawn;
  if (child && child.exitCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
    await exited;
    clearTimeout(timer);
  }
  stopHostSync(host);
}

function stopHostSync(host: TestHost): void {
  if (host.nspawn && host.nspawn.exitCode === null) host.nspawn.kill("SIGKILL");
  for (const m of [host.root, join(host.root, "..")]) {
    try {
      sh("umount", ["-l", m]);
    } catch {
      /* not mounted */
    }
  }
  try {
    ip("link", "del", host.hostLink);
  } catch {
    /* gone with the namespace */
  }
  removeNamespace(host.ns);
}

