// The host agent on a scratch root (NETGEN_ROOT/NETGEN_STATE): releases are
// verified and switched exactly, also for paths holding systemd's escapes.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import { parseAnswer, recordOf, recordsOf } from "../src/push/protocol.js";
import { ownedPath } from "../src/push/release.js";
import { ScratchHost } from "./support/scratch-agent.js";
import * as assert from "uvu/assert";

const AGENT = fileURLToPath(new URL("../../agent/netgen-host", import.meta.url));
const WANTS = "etc/systemd/system/sys-subsystem-net-devices-eth\\x2d1.device.wants/netgen-shape-eth-1.service";
const UNIT = "etc/systemd/system/netgen-shape-eth-1.service";
const NET = "etc/systemd/network/10-netgen-eth-1.network";
// Paths that reload nothing: these tests run the agent against this machine's own service manager.
const NFT = "etc/netgen/nat.nft";

let work = "";
const agent = (...args: string[]) => execFileSync("sh", [AGENT, ...args], { encoding: "utf8", env: { ...process.env, NETGEN_ROOT: join(work, "root"), NETGEN_STATE: join(work, "state") } });

function release(id: string, files: Record<string, string>, links: Record<string, string>): void {
  const dir = join(work, "state/releases", id);
  const lines: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, "files", path)), { recursive: true });
    writeFileSync(join(dir, "files", path), content);
    lines.push(`f\t0644\t${createHash("sha256").update(content).digest("hex")}\t${path}`);
  }
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(dirname(join(dir, "files", path)), { recursive: true });
    symlinkSync(target, join(dir, "files", path));
    lines.push(`l\t${target}\t-\t${path}`);
  }
  writeFileSync(join(dir, "manifest"), `${lines.join("\n")}\n`);
}

test.before.each(() => {
  work = mkdtempSync(join(tmpdir(), "netgen-agent-"));
  mkdirSync(join(work, "root/etc"), { recursive: true });
});
test.after.each(() => rmSync(work, { recursive: true, force: true }));

test("verify keeps a path with systemd's \\x2d escape and drops anything extra", () => {
  release("r1", { [UNIT]: "[Unit]\n", [NET]: "[Match]\n" }, { [WANTS]: "../netgen-shape-eth-1.service" });
  writeFileSync(join(work, "state/releases/r1/files/etc/extra"), "not in the manifest\n");
  agent("verify", join(work, "state/releases/r1"));
  assert.ok(lstatSync(join(work, "state/releases/r1/files", WANTS)).isSymbolicLink());
  assert.not.ok(existsSync(join(work, "state/releases/r1/files/etc/extra")));
});

test("an interrupted switch is finished at boot, and the next one removes only what went", () => {
  release("r1", { [UNIT]: "[Unit]\n", [NET]: "[Match]\n" }, { [WANTS]: "../netgen-shape-eth-1.service" });
  release("r2", { [NET]: "[Match]\nName=eth-1\n" }, {});
  writeFileSync(join(work, "state/switching"), "r1 none\n");
  agent("boot");
  assert.is(readlinkSync(join(work, "root", WANTS)), "../netgen-shape-eth-1.service");
  assert.ok(existsSync(join(work, "root", UNIT)));
  assert.is(readlinkSync(join(work, "state/current")), "releases/r1");
  assert.not.ok(existsSync(join(work, "state/switching")));
  writeFileSync(join(work, "state/switching"), "r2 r1\n");
  agent("boot");
  assert.not.ok(existsSync(join(work, "root", UNIT)));
  assert.not.ok(existsSync(join(work, "root", WANTS)));
  const state = parseAnswer("scratch", "state", agent("state"));
  assert.equal(recordOf(state, "current"), { type: "current", release: "r2" });
  const net = recordsOf(state, "owned").find((o) => o.path === NET);
  assert.ok(net && net.kind === "file" && /^[0-9a-f]{64}$/.test(net.actual) && net.actual === net.expected, JSON.stringify(net));
});

test("expire after a switch to the unconfirmed release was cut off: back on the previous release, nothing pending", () => {
  release("r1", { [NET]: "[Match]\n" }, {});
  release("r2", { [NET]: "[Match]\n", [NFT]: "table inet x {}\n" }, {});
  agent("boot");
  writeFileSync(join(work, "state/switching"), "r1 none\n");
  agent("boot");
  // r2 armed, then its switch cut off half way: the journal names it, one file landed.
  writeFileSync(join(work, "state/pending"), "r2 r1\n");
  writeFileSync(join(work, "state/switching"), "r2 r1\n");
  mkdirSync(join(work, "root/etc/netgen"), { recursive: true });
  writeFileSync(join(work, "root", NFT), "table inet x {}\n");
  agent("expire", "r2");
  assert.is(readlinkSync(join(work, "state/current")), "releases/r1");
  assert.not.ok(existsSync(join(work, "root", NFT)));
  assert.not.ok(existsSync(join(work, "state/pending")));
  assert.not.ok(existsSync(join(work, "state/switching")));
});

test("a dropped file under a folder planted as a symlink: the file it points to is left alone", () => {
  const h = new ScratchHost(join(work, "scratch"));
  h.release("r1", { [NET]: "[Match]\n", [NFT]: "table inet x {}\n" });
  h.release("r2", { [NET]: "[Match]\n" });
  h.ok("activate", "r1");
  // Someone replaced /etc/netgen by a link to another folder holding a nat.nft of its own.
  mkdirSync(join(work, "elsewhere"));
  writeFileSync(join(work, "elsewhere/nat.nft"), "not netgen's\n");
  rmSync(join(h.root, "etc/netgen"), { recursive: true });
  symlinkSync(join(work, "elsewhere"), join(h.root, "etc/netgen"));
  h.ok("activate", "r2");
  assert.is(readFileSync(join(work, "elsewhere/nat.nft"), "utf8"), "not netgen's\n");
  assert.is(h.link("current"), "r2");
});

test("a planted *.netgen-tmp symlink beside a file: nothing is written through it", () => {
  const h = new ScratchHost(join(work, "scratch"));
  h.release("r1", { [NET]: "[Match]\n", [NFT]: "table inet x {}\n" });
  mkdirSync(join(h.root, "etc/netgen"), { recursive: true });
  writeFileSync(join(work, "target"), "untouched\n");
  symlinkSync(join(work, "target"), join(h.root, `${NFT}.netgen-tmp`));
  h.ok("activate", "r1");
  assert.is(readFileSync(join(work, "target"), "utf8"), "untouched\n");
  assert.is(lstatSync(join(work, "target")).mode & 0o777, 0o644);
  assert.equal(h.tree(), { [NET]: "[Match]\n", [NFT]: "table inet x {}\n" });
});

test("a link to a folder planted at a file's own path: the link is replaced, nothing is written into the folder", () => {
  const h = new ScratchHost(join(work, "scratch"));
  h.release("r1", { [NET]: "[Match]\n", [NFT]: "table inet x {}\n" });
  mkdirSync(join(h.root, "etc/netgen"), { recursive: true });
  mkdirSync(join(work, "outside"));
  symlinkSync(join(work, "outside"), join(h.root, NFT));
  h.ok("activate", "r1");
  assert.equal(readdirSync(join(work, "outside")), [], "nothing written into the link's folder");
  assert.ok(lstatSync(join(h.root, NFT)).isFile(), "the release's file is at its path");
  assert.equal(h.tree(), { [NET]: "[Match]\n", [NFT]: "table inet x {}\n" });
});

test("the agent owns exactly the paths the controller owns", () => {
  const paths = [
    "etc/systemd/network/10-netgen-bond-15-16.netdev", "etc/systemd/network/10-netgen-up0.network", "etc/systemd/network/10-netgen-..network",
    "etc/systemd/network/10-netgen-a/b.network", "etc/systemd/network/10-netgen-.netdev", "etc/systemd/network/10-netgen-x.netdev.bak",
    "etc/systemd/system/netgen-shape-up0.service", "etc/systemd/system/netgen-a/b.service", "etc/systemd/system/netgen-.service",
    "etc/systemd/system/sys-subsystem-net-devices-ifb\\x2dup0.device.wants/netgen-shape-up0.service",
    "etc/systemd/system/multi-user.target.wants/netgen-x.service", "etc/systemd/system/x.wants/netgen-x.service",
    "etc/systemd/system/a/b.device.wants/netgen-x.service", "etc/systemd/system/.device.wants/netgen-x.service",
    "etc/systemd/system/x.device.wants/netgen-x/y.service", "etc/systemd/system/x.device.wants/other.service",
    "etc/systemd/system/nftables.service.wants/netgen-firewall.service", "etc/systemd/system/nftables.service.wants/netgen-x.service",
    "etc/systemd/system/ssh.service.wants/netgen-firewall.service",
    "etc/netgen/nat.nft", "etc/netgen/a/b", "etc/netgen/.", "etc/netgen/..", "etc/netgen/", "etc/netgen/a b",
    "etc/sysctl.d/60-netgen.conf", "etc/modules-load.d/netgen.conf", "etc/modprobe.d/netgen.conf", "etc/passwd", "/etc/netgen/nat.nft", "etc/netgen/../../x",
  ];
  for (const path of paths) {
    const manifest = join(work, "owned-manifest");
    mkdirSync(join(work, "owned/files"), { recursive: true });
    writeFileSync(manifest, `f\t0644\t-\t${path}\n`);
    renameSync(manifest, join(work, "owned/manifest"));
    let agentOwns = true;
    try {
      agent("verify", join(work, "owned"));
    } catch (error) {
      agentOwns = !/not a path netgen writes/.test(String((error as { stderr?: string }).stderr));
    }
    assert.is(agentOwns, ownedPath(path), path);
  }
});

test("a rollback sets every sysctl back to its value from before netgen set it", () => {
  const h = new ScratchHost(join(work, "scratch"));
  const SYSCTL = "etc/sysctl.d/60-netgen.conf";
  mkdirSync(join(h.sys, "net/ipv4"), { recursive: true });
  writeFileSync(join(h.sys, "net/ipv4/ip_forward"), "0\n");
  writeFileSync(join(h.sys, "net/ipv4/fib_multipath_hash_policy"), "0\n");
  h.release("r1", { [NET]: "[Match]\n", [SYSCTL]: "net.ipv4.ip_forward = 1\n" });
  h.release("r2", { [NET]: "[Match]\n", [SYSCTL]: "net.ipv4.ip_forward = 1\nnet.ipv4.fib_multipath_hash_policy = 1\n" });
  h.release("r3", { [NET]: "[Match]\n" });
  const sysctl = (key: string) => readFileSync(join(h.sys, key), "utf8").trim();
  h.ok("activate", "r1");
  assert.is(sysctl("net/ipv4/ip_forward"), "1");
  h.ok("arm", "r2", "30");
  h.ok("activate", "r2");
  assert.is(sysctl("net/ipv4/fib_multipath_hash_policy"), "1");
  h.ok("expire", "r2");
  assert.is(sysctl("net/ipv4/fib_multipath_hash_policy"), "0", "the unconfirmed release's sysctl undone");
  assert.is(sysctl("net/ipv4/ip_forward"), "1", "the previous release's sysctl kept");
  h.ok("activate", "r3");
  assert.is(sysctl("net/ipv4/ip_forward"), "0", "netgen's sysctl file gone: the value from before netgen");
});

test.run();
