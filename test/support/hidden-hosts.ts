// Hosts this machine cannot reach except through bastions: network namespaces
// joined by veth pairs, each running a real OpenSSH sshd, with no routes and no
// forwarding between them (a new namespace forwards nothing), so a host is
// reached only over a channel its neighbour forwards.
//
//   this machine ── a (bastion, :2222) ── b (second bastion, :22) ── t2 (:22)
//                        └── t1 (:22)
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface HiddenHost {
  /** Namespace name. */
  ns: string;
  address: string;
  port: number;
  /** "ssh-ed25519 AAAA..." */
  hostKey: string;
}

export interface HiddenNet {
  a: HiddenHost;
  b: HiddenHost;
  t1: HiddenHost;
  t2: HiddenHost;
  stop(): void;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });

/** sshd in `ns`, started when it says it listens (no polling); it runs only ForceCommand (says which host). */
function sshd(host: HiddenHost, dir: string, authorizedKeys: string): Promise<ChildProcess> {
  const key = join(dir, `host-${host.ns}`);
  const options = [
    `ListenAddress=${host.address}`,
    `AuthorizedKeysFile=${authorizedKeys}`,
    "StrictModes=no",
    "UsePAM=no",
    "PermitRootLogin=prohibit-password",
    `PidFile=${join(dir, `sshd-${host.ns}.pid`)}`,
    // Nothing of netgen's runs on this machine: the host only says that it was reached.
    `ForceCommand=echo reached ${host.ns.replace(/.*-/, "")} >&2; exit 1`,
  ];
  const child = spawn("ip", ["netns", "exec", host.ns, "/usr/sbin/sshd", "-D", "-e", "-f", "/dev/null", "-p", String(host.port), "-h", key, ...options.flatMap((o) => ["-o", o])], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`sshd in ${host.ns} did not listen within 10 s:\n${log}`)), 10000);
    child.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      if (/Server listening on/.test(log)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code) => reject(new Error(`sshd in ${host.ns} exited ${code}:\n${log}`)));
  });
}

export async function startHiddenNet(dir: string, authorizedKeys: string): Promise<HiddenNet> {
  const tag = `ngj${process.pid % 100000}`;
  const hosts: Record<"a" | "b" | "t1" | "t2", HiddenHost> = {
    a: { ns: `${tag}-a`, address: "10.211.1.2", port: 2222, hostKey: "" },
    b: { ns: `${tag}-b`, address: "10.211.2.2", port: 22, hostKey: "" },
    t1: { ns: `${tag}-t1`, address: "10.211.3.2", port: 22, hostKey: "" },
    t2: { ns: `${tag}-t2`, address: "10.211.4.2", port: 22, hostKey: "" },
  };
  const children: ChildProcess[] = [];
  const stopQuietly = () => {
    for (const child of children) child.kill("SIGKILL");
    for (const host of Object.values(hosts)) {
      try {
        execFileSync("ip", ["netns", "del", host.ns], { stdio: "ignore" });
      } catch {
        // not created yet
      }
    }
  };
  process.on("exit", stopQuietly);
  try {
    for (const host of Object.values(hosts)) {
      run("ip", ["netns", "add", host.ns]);
      run("ip", ["-n", host.ns, "link", "set", "lo", "up"]);
      run("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", join(dir, `host-${host.ns}`)]);
      host.hostKey = readFileSync(join(dir, `host-${host.ns}.pub`), "utf8").split(" ").slice(0, 2).join(" ");
    }
    // [namespace or undefined for this machine, its address], twice: one veth pair each.
    const links: [string | undefined, string, string, string][] = [
      [undefined, "10.211.1.1", hosts.a.ns, hosts.a.address],
      [hosts.a.ns, "10.211.2.1", hosts.b.ns, hosts.b.address],
      [hosts.a.ns, "10.211.3.1", hosts.t1.ns, hosts.t1.address],
      [hosts.b.ns, "10.211.4.1", hosts.t2.ns, hosts.t2.address],
    ];
    for (const [i, [left, leftAddress, right, rightAddress]] of links.entries()) {
      const l = `${tag}l${i}`;
      const r = `${tag}r${i}`;
      run("ip", ["link", "add", l, "type", "veth", "peer", "name", r, "netns", right]);
      if (left) run("ip", ["link", "set", l, "netns", left]);
      const inLeft = left ? ["-n", left] : [];
      run("ip", [...inLeft, "addr", "add", `${leftAddress}/24`, "dev", l]);
      run("ip", [...inLeft, "link", "set", l, "up"]);
      run("ip", ["-n", right, "addr", "add", `${rightAddress}/24`, "dev", r]);
      run("ip", ["-n", right, "link", "set", r, "up"]);
    }
    for (const host of Object.values(hosts)) children.push(await sshd(host, dir, authorizedKeys));
  } catch (error) {
    stopQuietly();
    process.off("exit", stopQuietly);
    throw error;
  }
  return { ...hosts, stop: () => (stopQuietly(), process.off("exit", stopQuietly)) };
}

/** A known_hosts file for `hosts` (by address, `[address]:port` off port 22), with `override` keys where given. */
export function knownHosts(file: string, hosts: HiddenHost[], override: Map<HiddenHost, string> = new Map()): string {
  const name = (h: HiddenHost) => (h.port === 22 ? h.address : `[${h.address}]:${h.port}`);
  writeFileSync(file, hosts.map((h) => `${name(h)} ${override.get(h) ?? h.hostKey}\n`).join(""));
  return file;
}
