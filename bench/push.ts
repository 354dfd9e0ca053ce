// npm run bench:push: netgen's first and no-change push to 5, 10 and 30 real
// hosts (systemd-nspawn containers with sshd and networkd), side by side in
// the same run with (a) Ansible copying the same files with a reload handler
// and (b) the floor: one plain OpenSSH connection per host, all in parallel,
// running sha256sum over the same files (and, for a first push, untarring them).
// A no-change push and the floors are medians of REPEATS runs.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { netgen } from "../test/support/cli.js";
import { inventoryFor, Project } from "../test/support/push-project.js";
import { startFleet, type TestFleet } from "../test/support/test-hosts.js";
import { median } from "./median.js";

const SIZES = (process.env.BENCH_SIZES ?? "5,10,30").split(",").map(Number);
/** Ansible's columns need ansible-playbook; without it they read n/a and netgen is still measured against the floor. */
const HAS_ANSIBLE = spawnSync("ansible-playbook", ["--version"], { stdio: "ignore" }).status === 0;
const UPLINKS = { up0: "{ address: 10.90.0.1/30, shape: { egress: 8mbit, ingress: 9mbit } }", up1: "{ address: 10.91.0.1/30 }" };

/** Each no-change push and each floor figure is the median of this many runs (a first push is one run). */
const REPEATS = 5;

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function timedAsync(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function sshArgs(fleet: TestFleet, address: string): string[] {
  return ["-i", fleet.keyFile, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", `root@${address}`];
}

/** All hosts at once, one plain ssh each. */
function parallelSsh(fleet: TestFleet, command: (host: string) => string, input?: (host: string) => Buffer): Promise<void> {
  return Promise.all(
    fleet.hosts.map(
      (h) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn("ssh", [...sshArgs(fleet, h.address), command(h.name)], { stdio: ["pipe", "ignore", "inherit"] });
          child.stdin.end(input?.(h.name));
          child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`ssh ${h.name} exited ${code}`))));
        }),
    ),
  ).then(() => undefined);
}

function hostFiles(root: string): string[] {
  const walk = (dir: string, prefix: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`]));
  return walk("", "");
}

function ansiblePlaybook(work: string, fleet: TestFleet, outDir: string): string {
  const inventory = join(work, "hosts.ini");
  writeFileSync(inventory, fleet.hosts.map((h) => `${h.name} ansible_host=${h.address}`).join("\n") + `\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file=${fleet.keyFile}\nansible_python_interpreter=/usr/bin/python3\n`);
  const play = join(work, "play.yml");
  // Ansible copies into a tree of its own on each host, so that netgen and Ansible both start from nothing.
  writeFileSync(
    play,
    `- hosts: all
  gather_facts: false
  tasks:
    - name: folders
      file: { path: "/srv/ansible/{{ item }}", state: directory }
      loop: ${JSON.stringify([...new Set(hostFiles(join(outDir, fleet.hosts[0]!.name)).filter((f) => !f.includes(".wants/")).map((f) => f.split("/").slice(0, -1).join("/")))])}
    - name: networkd files
      copy: { src: "${outDir}/{{ inventory_hostname }}/{{ item }}", dest: "/srv/ansible/{{ item }}", mode: "0644" }
      loop: ${JSON.stringify(hostFiles(join(outDir, fleet.hosts[0]!.name)).filter((f) => !f.includes(".wants/")))}
      notify: reload networkd
  handlers:
    - name: reload networkd
      command: networkctl reload
`,
  );
  return play;
}

function runAnsible(work: string, play: string): void {
  try {
    execFileSync("ansible-playbook", ["-i", join(work, "hosts.ini"), "-f", "10", play], { stdio: "pipe", env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: "False", ANSIBLE_NOCOLOR: "1" } });
  } catch (error) {
    throw new Error(`ansible-playbook failed:\n${(error as { stdout?: Buffer }).stdout?.toString() ?? ""}`);
  }
}

async function benchSize(size: number) {
  const fleet = await startFleet(size, "b");
  const work = mkdtempSync(join(tmpdir(), "netgen-bench-push-"));
  try {
    for (const h of fleet.hosts) {
      for (const u of ["up0", "up1"]) {
        execFileSync("ip", ["-n", h.ns, "link", "add", u, "type", "veth", "peer", "name", `${u}p`]);
        execFileSync("ip", ["-n", h.ns, "link", "set", `${u}p`, "up"]);
      }
    }
    const project = new Project(work, { NETGEN_KNOWN_HOSTS: join(work, "known_hosts") });
    project.write(inventoryFor(fleet, fleet.hosts.map(() => ({ uplinks: UPLINKS }))));
    project.render();
    const outDir = join(work, "generated/lab");
    const files = hostFiles(join(outDir, fleet.hosts[0]!.name)).length;
    const tars = new Map(fleet.hosts.map((h) => [h.name, execFileSync("tar", ["-c", "-C", join(outDir, h.name), "."])]));
    const paths = hostFiles(join(outDir, fleet.hosts[0]!.name)).filter((f) => !f.includes(".wants/")).map((f) => `/etc/${f.replace(/^etc\//, "")}`);
    // A first push happens once per host; the floor's upload is timed as often, into a fresh folder each time.
    const uploads: number[] = [];
    for (let i = 0; i < REPEATS; i++) uploads.push(await timedAsync(() => parallelSsh(fleet, () => `mkdir -p /srv/floor${i} && tar -x -C /srv/floor${i}`, (h) => tars.get(h)!)));
    const floorUpload = median(uploads);
    const checkFloor = () => timedAsync(() => parallelSsh(fleet, () => `cd /srv/floor0 && sha256sum ${paths.map((p) => `.${p}`).join(" ")} >/dev/null`));
    const first = timed(() => {
      const r = netgen(["push", "--yes", "--forks", "30"], work, project.env);
      if (r.code !== 0) throw new Error(`netgen push failed: ${r.stdout}${r.stderr}`);
    });
    // No-change pushes and the floor's checks alternate, in turn first, so that a busy moment,
    // or what a run leaves settling on the hosts, falls on both alike.
    const agains: number[] = [];
    const checks: number[] = [];
    const noChange = () => timed(() => {
      const r = netgen(["push", "--yes", "--forks", "30"], work, project.env);
      if (r.code !== 0 || !/changed=0/.test(r.stdout)) throw new Error(`netgen no-change push: ${r.stdout}${r.stderr}`);
    });
    for (let i = 0; i < REPEATS; i++) {
      if (i % 2 === 0) checks.push(await checkFloor()), agains.push(noChange());
      else agains.push(noChange()), checks.push(await checkFloor());
    }
    const [again, floorCheck] = [median(agains), median(checks)];
    const play = HAS_ANSIBLE ? ansiblePlaybook(work, fleet, outDir) : "";
    const ansibleFirst = HAS_ANSIBLE ? timed(() => runAnsible(work, play)) : NaN;
    const ansibleAgain = HAS_ANSIBLE ? timed(() => runAnsible(work, play)) : NaN;
    return { size, files, first, again, ansibleFirst, ansibleAgain, floorCheck, floorUpload };
  } finally {
    await fleet.teardown();
    rmSync(work, { recursive: true, force: true });
  }
}

const s = (ms: number) => (Number.isNaN(ms) ? "n/a (no ansible-playbook)" : `${(ms / 1000).toFixed(2)} s`);
const lines = [
  `| hosts | files/host | netgen first push (one run) | floor: upload (tar over ssh) + sha256sum (medians of ${REPEATS}) | ratio | netgen no-change push (median of ${REPEATS}) | floor: sha256sum (median of ${REPEATS}) | ratio | Ansible first (one run) | Ansible no change (one run) |`,
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
];
process.stdout.write(`${lines.join("\n")}\n`);
const rows = [];
for (const size of SIZES) {
  const r = await benchSize(size);
  rows.push(r);
  const line = `| ${r.size} | ${r.files} | ${s(r.first)} | ${s(r.floorUpload + r.floorCheck)} | x${(r.first / (r.floorUpload + r.floorCheck)).toFixed(1)} | ${s(r.again)} | ${s(r.floorCheck)} | x${(r.again / r.floorCheck).toFixed(1)} | ${s(r.ansibleFirst)} | ${s(r.ansibleAgain)} |`;
  lines.push(line);
  process.stdout.write(`${line}\n`);
}
lines.length = 0;
const worstAgain = Math.max(...rows.map((r) => r.again / r.floorCheck));
const worstFirst = Math.max(...rows.map((r) => r.first / (r.floorUpload + r.floorCheck)));
lines.push("", `goal no-change push within 1.5x of the floor: ${worstAgain <= 1.5 ? "met" : "MISSED"} (worst x${worstAgain.toFixed(1)})`);
lines.push(`goal first push within 3x of the floor plus the upload: ${worstFirst <= 3 ? "met" : "MISSED"} (worst x${worstFirst.toFixed(1)}); a first push waits for networkd to apply and for the confirmation over a second connection`);
process.stdout.write(`${lines.join("\n")}\n`);
