// The agent's protocol end to end: the real agent script (on a scratch root)
// answers the controller's own readers (hostFiles, hostStatus, readState)
// through a local shell in place of SSH. Hostile names and values on the host
// (quotes, backslashes, control characters, a line that looks like a record)
// come back exactly, as one field each; a line that is not the protocol stops
// the command naming the host, the verb and the line.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExitError } from "../src/errors.js";
import { METRICS_FILE } from "../src/plan/metrics.js";
import { hostFiles, hostStatus, readState } from "../src/push/agent.js";
import type { Connection } from "../src/push/connection.js";
import { parseAnswer, ProtocolError } from "../src/push/protocol.js";
import { ScratchHost } from "./support/scratch-agent.js";

/** The agent's host reached through `sh -c` here instead of ssh: the same command lines, the same script on stdin. */
function localConnection(host: ScratchHost): Connection {
  return {
    host: "scratch",
    learntKey: false,
    close: () => undefined,
    exec: (command, stdin) =>
      new Promise((resolve) => {
        const child = spawn("sh", ["-c", command], { env: host.env(), stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(stdin ?? "");
      }),
  };
}

const HOSTILE = [
  'a"b',
  "back\\slash",
  "\\u0041",
  "ctl\x01\x1b[2J\x07",
  'x"}\n{"type":"current","release":"evil"}',
  "tab\there",
  "new\nline",
  "del\x7f",
  "ünïcødé ✓",
  "trailing newlines\n\n",
  "{}",
  "",
];

let host: ScratchHost;
test.before.each(() => {
  host = new ScratchHost();
});
test.after.each(() => rmSync(host.work, { recursive: true, force: true }));

test("link targets with every kind of hostile character come back exactly through show", async () => {
  // Random printable and control bytes (not NUL, which no file name holds; below 0x80, which JSON carries as UTF-8 only).
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
  const targets = [...HOSTILE.filter(Boolean), ...Array.from({ length: 150 }, () => String.fromCharCode(...Array.from({ length: 1 + (random() % 24) }, () => 1 + (random() % 127))))];
  mkdirSync(join(host.root, "etc/netgen"), { recursive: true });
  const paths = targets.map((target, i) => {
    symlinkSync(target, join(host.root, `etc/netgen/l${i}`));
    return `etc/netgen/l${i}`;
  });
  const files = await hostFiles(localConnection(host), [...paths, "etc/netgen/absent"]);
  assert.is(files.size, targets.length + 1);
  targets.forEach((target, i) => assert.is(files.get(paths[i]!), `link:${target}`, JSON.stringify(target)));
  assert.is(files.get("etc/netgen/absent"), "");
});

test("interface names and unit states from the host's tools are fields, never lines or records", async () => {
  // Interface names hold no white space (the kernel refuses it); every other byte may be there.
  const names = ['q"uote', "back\\slash", "ctl\x01\x1b[2J", '"}{"type":"current"', "\\n"];
  host.shim("networkctl", `printf '%s\\n' ${names.map((n, i) => `'${i + 1} ${n.replace(/'/g, "'\\''")} ether routable configured'`).join(" ")}`);
  host.release("r1", { "etc/systemd/system/netgen-shape-e0.service": "[Service]\n" });
  host.ok("activate", "r1");
  host.shim("systemctl", `case $1 in is-active) printf 'act"ive\\\\\\n\\033]0;x\\007' ;; esac`);
  const s = await hostStatus(localConnection(host));
  assert.equal(s.links.map((l) => l.name), names);
  assert.ok(s.links.every((l) => l.operational === "routable" && l.setup === "configured"));
  assert.equal(s.units, [{ name: "netgen-shape-e0.service", state: 'act"ive\\\n\x1b]0;x\x07' }]);
  assert.is(s.release, "r1");
});

test("status METRICS_FILE: the file's text, size and age by the host's clock; cut at 256 KiB; absent; a path not *.prom refused", async () => {
  host.release("r1", { "etc/netgen/a.nft": "a\n" });
  host.ok("activate", "r1");
  const file = join(host.root, METRICS_FILE);
  mkdirSync(dirname(file), { recursive: true });
  const line = 'netgen_path_loss_ratio{bundle="a\\"b",path="p"} 0\n';
  writeFileSync(file, line);
  const old = new Date(Date.now() - 42000);
  utimesSync(file, old, old);
  const small = (await hostStatus(localConnection(host), METRICS_FILE)).metricsFile;
  assert.ok(typeof small === "object", String(small));
  assert.is(small.text, line);
  assert.is(small.size, Buffer.byteLength(line));
  assert.ok(small.ageSeconds >= 42 && small.ageSeconds < 60, String(small.ageSeconds));
  writeFileSync(file, line.repeat(8000)); // about 400 KiB
  const big = (await hostStatus(localConnection(host), METRICS_FILE)).metricsFile;
  assert.ok(typeof big === "object" && big.text.length === 262144 && big.size === line.length * 8000 && big.ageSeconds < 5);
  rmSync(file);
  assert.is((await hostStatus(localConnection(host), METRICS_FILE)).metricsFile, "absent");
  assert.is((await hostStatus(localConnection(host))).metricsFile, undefined, "not asked: no record");
  const refused = host.run(["status", "/etc/shadow"]);
  assert.is(refused.status, 2);
  assert.match(refused.stderr, /absolute \*\.prom path/);
});

test("release folders and NetworkManager devices with hostile names: one field each", async () => {
  const ids = ['r"1', "r\\2", "r\x1b3", 'r4"}\n{"type":"current","release":"evil"}'];
  for (const id of ids) host.release(id, { "etc/netgen/a.nft": "a\n" });
  host.release("r5", { "etc/netgen/a.nft": "a\n" });
  host.ok("activate", "r5");
  const devices = ['e"0', "e\\1", "e\x012"];
  host.shim("nmcli", `printf '%s\\n' ${devices.map((d) => `'${d.replace(/'/g, "'\\''")}:connected'`).join(" ")} 'lo:unmanaged'`);
  const state = await readState(localConnection(host), false);
  assert.is(state.current, "r5");
  assert.equal([...state.releases].sort(), [...ids, "r5"].sort());
  assert.equal(state.managedBy.get("NetworkManager"), devices);
  assert.equal([...state.files.keys()], ["etc/netgen/a.nft"]);
});

// [what the agent printed, what the error must say]
const BROKEN: [string, RegExp][] = [
  ["current r1", /line 1 \(not JSON\): current r1/],
  ['{"type":"current","release":"r1"}\n[1,2]', /line 2 \(not a JSON object\)/],
  ['{"type":"curent","release":"r1"}', /unknown type "curent"/],
  ['{"release":"r1"}', /unknown type undefined/],
  ['{"type":"current"}', /current\.release is undefined, not a string/],
  ['{"type":"current","release":1}', /current\.release is 1, not a string/],
  ['{"type":"settle","ms":"12x"}', /settle\.ms is "12x", not a whole number/],
  ['{"type":"settle","ms":1.5}', /settle\.ms is 1.5, not a whole number/],
  ['{"type":"nft","installed":"yes"}', /nft\.installed is "yes", not a boolean/],
  ['{"type":"owned","kind":"dir","path":"p","expected":"-","actual":"-"}', /owned\.kind is "dir", not file or link/],
  ['{"type":"current","release":"r1","extra":1}', /current has no field extra/],
  ["\x1b[2Jhello", /not JSON\): \\x1b\[2Jhello/],
];

test(`${BROKEN.length} broken answers: each stops with the host, the verb, the line and what is wrong`, () => {
  for (const [stdout, message] of BROKEN) {
    try {
      parseAnswer("gw1", "state", stdout);
      assert.unreachable(`parsed: ${JSON.stringify(stdout)}`);
    } catch (error) {
      assert.instance(error, ProtocolError, String(error));
      assert.instance(error, ExitError);
      const text = (error as Error).message;
      assert.match(text, /^gw1: the agent's answer to 'state' does not parse at line \d+ /, text);
      assert.match(text, message, text);
    }
  }
});

test("a well-formed answer parses to its records in order; blank lines are nothing", () => {
  const records = parseAnswer("gw1", "status", '{"type":"current","release":"r1"}\n\n{"type":"bond-path","bond":"b0","path":"t1","failures":3}\n');
  assert.equal(records, [
    { type: "current", release: "r1" },
    { type: "bond-path", bond: "b0", path: "t1", failures: 3 },
  ]);
});

test.run();
