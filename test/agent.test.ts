// The host agent on a scratch root (NETGEN_ROOT/NETGEN_STATE): releases are
// verified and switched exactly, also for paths holding systemd's escapes.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const AGENT = fileURLToPath(new URL("../../agent/netgen-host", import.meta.url));
const WANTS = "etc/systemd/system/sys-subsystem-net-devices-eth\\x2d1.device.wants/netgen-shape-eth-1.service";
const UNIT = "etc/systemd/system/netgen-shape-eth-1.service";
const NET = "etc/systemd/network/10-netgen-eth-1.network";

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
  assert.match(agent("state"), /^current r2$/m);
  assert.match(agent("state"), new RegExp(`^file ${NET.replace(/\./g, "\\.")} (\\w+) \\1$`, "m"));
});

test.run();
