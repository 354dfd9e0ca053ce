// Output on a terminal (a pseudo-terminal from util-linux `script`) and in a
// pipe: colours only on a terminal and never with NO_COLOR; `validate --json`;
// declining the push prompt.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BASE } from "./support/bases.js";
import { CLI, netgen } from "./support/cli.js";
import { command, tierAvailable } from "./support/tier.js";

const ESC = "\x1b[";
const RED = "\x1b[31m";
const YELLOW = "\x1b[33m";
const GREEN = "\x1b[32m";
/** BASE with a rate a reviewer would flag (800 bit/s): a warning, not an error. */
const SLOW = BASE.replace("up2: { address: 10.0.2.2/24, gateway: 10.0.2.1 }", "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { egress: 800bit } }");
const BROKEN = BASE.replace("gateway: 10.0.1.1", "gateway: 10.0.9.1").replace("strategy: failover", "strategy: failsafe");

let work = "";
test.before.each(() => {
  work = mkdtempSync(join(tmpdir(), "netgen-terminal-"));
  writeFileSync(join(work, "slow.yaml"), SLOW);
  writeFileSync(join(work, "broken.yaml"), BROKEN);
  writeFileSync(join(work, "base.yaml"), BASE);
});
test.after.each(() => rmSync(work, { recursive: true, force: true }));

/** The environment without the caller's colour wishes, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...rest } = process.env;
  return { ...rest, TERM: "xterm", ...env };
}

/** netgen with stdin, stdout and stderr on one pseudo-terminal; what the terminal showed and the exit code. */
function onTerminal(args: string[], env: Record<string, string> = {}, input = ""): { code: number; shown: string } {
  const line = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("script", ["-qec", line, "/dev/null"], { cwd: work, input, encoding: "utf8", timeout: 60000, env: cleanEnv(env) });
  return { code: r.status ?? -1, shown: r.stdout };
}

const haveScript = tierAvailable("terminal colours", [command("script")]);

if (haveScript) {
  test("on a terminal: errors red, warnings yellow, valid green", () => {
    const broken = onTerminal(["validate", "broken.yaml"]);
    assert.is(broken.code, 1);
    assert.ok(broken.shown.includes(`${RED}error:`), JSON.stringify(broken.shown));
    const slow = onTerminal(["validate", "slow.yaml"]);
    assert.is(slow.code, 0, slow.shown);
    assert.ok(slow.shown.includes(`${YELLOW}warning:`), JSON.stringify(slow.shown));
    assert.ok(slow.shown.includes(`${GREEN}valid:`), JSON.stringify(slow.shown));
    const mistake = onTerminal(["valdate"]);
    assert.ok(mistake.shown.includes(`${RED}netgen:`), JSON.stringify(mistake.shown));
  });

  for (const [name, env] of [["NO_COLOR=1", { NO_COLOR: "1" }], ["NO_COLOR=1 beats FORCE_COLOR=1", { NO_COLOR: "1", FORCE_COLOR: "1" }], ["FORCE_COLOR=0", { FORCE_COLOR: "0" }], ["TERM=dumb", { TERM: "dumb" }]] as const) {
    test(`on a terminal with ${name}: no colour at all`, () => {
      for (const file of ["broken.yaml", "slow.yaml"]) {
        const r = onTerminal(["validate", file], env);
        assert.match(r.shown, /(error|warning):/);
        assert.not.ok(r.shown.includes(ESC), `${file}: ${JSON.stringify(r.shown)}`);
      }
    });
  }

  test("declining the push prompt: exit 0, 'nothing pushed', nothing contacted", () => {
    const r = onTerminal(["push", "base.yaml"], {}, "n\n");
    assert.ok(r.shown.includes("push the rendered files now? [y/N]"), r.shown);
    assert.match(r.shown, /nothing pushed/);
    assert.is(r.code, 0, r.shown);
  });
}

test("in a pipe: no colour; FORCE_COLOR=1 turns it on, NO_COLOR still wins", () => {
  const plain = netgen(["validate", "broken.yaml"], work, { TERM: "xterm" });
  assert.is(plain.code, 1);
  assert.match(plain.stderr, /error:/);
  const env = (extra: Record<string, string>) => spawnSync(process.execPath, [CLI, "validate", "broken.yaml"], { cwd: work, encoding: "utf8", env: cleanEnv(extra) });
  assert.not.ok(env({}).stderr.includes(ESC));
  assert.ok(env({ FORCE_COLOR: "1" }).stderr.includes(`${RED}error:`));
  assert.not.ok(env({ FORCE_COLOR: "1", NO_COLOR: "1" }).stderr.includes(ESC));
  // NO_COLOR set but empty does not count (no-color.org).
  assert.ok(env({ FORCE_COLOR: "1", NO_COLOR: "" }).stderr.includes(RED));
});

interface JsonProblem {
  file: string;
  line: number;
  col: number;
  message: string;
  hint: string | null;
}

test("validate --json: problems with file, line, col, message, hint on stdout; exit 1; nothing on stderr", () => {
  const r = netgen(["validate", "broken.yaml", "--json"], work);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr, "");
  const report = JSON.parse(r.stdout) as { valid: boolean; problems: JsonProblem[]; warnings: JsonProblem[] };
  assert.is(report.valid, false);
  assert.equal(
    report.problems.map((p) => [p.file, p.line, p.col]),
    [["broken.yaml", 5, 45], ["broken.yaml", 11, 28], ["broken.yaml", 14, 15]],
  );
  assert.match(report.problems[0]!.message, /gateway 10.0.9.1 is not in up1's subnet/);
  assert.match(report.problems[0]!.hint ?? "", /reachable directly on the uplink/);
  assert.match(report.problems[2]!.message, /'failsafe' is not a strategy/);
  assert.is(report.problems[2]!.hint, "use one of: failover, balance-rr, redundant, ecmp, teql");
  assert.equal(report.warnings, []);
});

test("validate --json: warnings with their place; --strict turns them into problems", () => {
  const r = netgen(["validate", "slow.yaml", "--json"], work);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, "");
  const report = JSON.parse(r.stdout) as { valid: boolean; problems: JsonProblem[]; warnings: JsonProblem[]; hosts: { name: string }[] };
  assert.is(report.valid, true);
  assert.equal(report.problems, []);
  // The rate's warning, among those about the failover bond's unshaped uplinks (up1 entirely, up2's ingress).
  assert.equal(report.warnings.map((w) => [w.file, w.line, w.col]), [["slow.yaml", 5, 7], ["slow.yaml", 6, 7], ["slow.yaml", 6, 72]]);
  assert.match(report.warnings[2]!.message, /egress rate 800bit/);
  assert.equal(report.hosts.map((h) => h.name), ["gw", "exit"]);
  const strict = netgen(["validate", "slow.yaml", "--json", "--strict"], work);
  assert.is(strict.code, 1);
  const failed = JSON.parse(strict.stdout) as { valid: boolean; problems: JsonProblem[] };
  assert.is(failed.valid, false);
  assert.match(failed.problems[0]!.message, /an error under --strict/);
});

test("validate --json on a file that cannot be read: the problem as JSON", () => {
  const r = netgen(["validate", "missing.yaml", "--json"], work);
  assert.is(r.code, 1);
  const report = JSON.parse(r.stdout) as { valid: boolean; problems: JsonProblem[] };
  assert.is(report.valid, false);
  assert.is(report.problems[0]!.file, "missing.yaml");
  assert.match(report.problems[0]!.message, /cannot read/);
});

test.run();
