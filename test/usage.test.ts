// The command line as a user meets it: every command's --help describes every
// option, --version, "did you mean", and bash completion run by a real bash.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CLI, netgen } from "./support/cli.js";
import { command, tierAvailable } from "./support/tier.js";

const REPO = process.cwd();
const FLEET = `netgen: 1
hosts:
  venue-7: { groups: [venues, lte], uplinks: { e0: { address: 10.0.1.2/24 } } }
  venue-9: { groups: [venues], uplinks: { e0: { address: 10.0.2.2/24 } } }
  dc-1: { uplinks: { e0: { address: 10.0.3.2/24 } } }
`;

/** The names of the Commands: section of `netgen --help`. */
function commands(): string[] {
  const help = netgen(["--help"], REPO);
  assert.is(help.code, 0, help.stderr);
  const section = help.stdout.split(/\n\n/).find((s) => s.startsWith("Commands:")) ?? "";
  return [...section.matchAll(/^ {2}netgen (\S+)/gm)].map((m) => m[1]!);
}

/**
 * The entries of a help text's Positionals: and Options: sections that have
 * nothing but their name and yargs' [type] [default] tags.
 */
export function undescribed(help: string): string[] {
  const sections = help.split(/\n\n/).filter((s) => /^(Positionals|Options):/.test(s));
  // An entry starts at most 6 spaces in ("  -o, --out", "      --help"); its wrapped lines further.
  const entries = sections.flatMap((s) => s.split("\n").slice(1).join("\n").split(/\n(?= {2,6}\S)/));
  return entries.flatMap((entry) => {
    const name = /^ +((?:-\w, )?-{0,2}[\w-]+)/.exec(entry)?.[0] ?? "";
    const rest = entry.slice(name.length).replace(/\[(?:[^[\]]|\[[^\]]*\])*\]/g, "").trim();
    return rest === "" ? [name.trim()] : [];
  });
}

test("the help parser finds an undescribed option (so the walk below can fail)", () => {
  const help = [
    "netgen x\n\nPositionals:\n  file  the file  [string]\n  host                        [string] [required]\n\nOptions:",
    "      --help   show help  [boolean]\n      --limit                                  [string]",
    '  -o, --out                                [string] [choices: "a", "b"]',
    "      --yes  do not ask\n             ever                      [boolean] [default: false]",
  ].join("\n");
  assert.equal(undescribed(help), ["host", "--limit", "-o, --out"]);
});

test("every option and argument of every command is described in its --help", () => {
  const names = commands();
  for (const c of ["init", "validate", "render", "graph", "schema", "diff", "push", "status", "rollback", "lab", "completion"]) assert.ok(names.includes(c), `${c} in netgen --help`);
  // `completion --help` prints the script itself (yargs): it has no options to describe.
  const missing = names.filter((c) => c !== "completion").flatMap((c) => {
    const r = netgen([c, "--help"], REPO);
    assert.is(r.code, 0, `${c} --help: ${r.stderr}`);
    assert.match(r.stdout, /Options:/, `${c} --help lists options`);
    return undescribed(r.stdout).map((o) => `${c} ${o}`);
  });
  assert.equal(missing, [], "options without a description");
});

test("--version prints package.json's version", () => {
  const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
  const r = netgen(["--version"], tmpdir());
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${version}\n`);
});

const MISTAKES: [args: string[], message: RegExp][] = [
  [["valdate", "x.yaml"], /^netgen: no command 'valdate': did you mean 'validate'\?\nrun: netgen --help\n$/],
  [["stauts"], /no command 'stauts': did you mean 'status'\?/],
  [["validate", "--strcit", "inventories/prod.yaml"], /^netgen: unknown option '--strcit': did you mean '--strict'\?/],
  [["validate", "inventories/prod.yaml", "--jsno"], /unknown option '--jsno': did you mean '--json'\?/],
  [["push", "--dryrun"], /unknown option '--dryrun': did you mean '--dry-run'\?/],
  [["render", "inventories/prod.yaml", "--limt=fo-gw"], /unknown option '--limt': did you mean '--limit'\?/],
  [["render", "inventories/prod.yaml", "--zzzzzz"], /unknown option '--zzzzzz'\nrun: netgen --help/],
  [["validate", "inventories/prod.yaml", "extra"], /unexpected argument 'extra'/],
  [["validate"], /validate: an argument is missing \(netgen validate --help shows them\)/],
  // Known flags in yargs' other spellings are not blamed for a missing argument.
  [["validate", "--no-strict", "--dryRun"], /^netgen: unknown option '--dryRun'\n/],
  [["push", "--no-yes", "--dryRun", "--limt", "x"], /^netgen: unknown option '--limt': did you mean '--limit'\?\nrun:/],
  [[], /give a command: init, validate, render/],
  [["completion", "fish"], /netgen writes scripts for bash and zsh, not 'fish'/],
];

for (const [args, message] of MISTAKES) {
  test(`netgen ${args.join(" ")}: exit 1, ${message.source.slice(0, 60)}`, () => {
    const r = netgen(args, REPO);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, message);
    assert.is(r.stdout, "");
  });
}

test("netgen completion bash: a real bash completes commands, flags, choices and --limit names through it (also when $SHELL is zsh)", () => {
  const work = mkdtempSync(join(tmpdir(), "netgen-completion-"));
  try {
    // The script calls `netgen` from PATH, as an installed netgen is found.
    writeFileSync(join(work, "netgen"), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(join(work, "netgen"), 0o755);
    const script = netgen(["completion", "bash"], REPO);
    assert.is(script.code, 0, script.stderr);
    writeFileSync(join(work, "netgen.bash"), script.stdout);
    const complete = (...words: string[]) => {
      const line = `source ./netgen.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _netgen_yargs_completions; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync("bash", ["--noprofile", "--norc", "-c", line], { cwd: work, encoding: "utf8", env: { ...process.env, PATH: `${work}:${process.env.PATH ?? ""}`, SHELL: "/usr/bin/zsh" } });
      assert.is(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter((l) => l !== "");
    };
    assert.equal(complete("netgen", "va"), ["validate"]);
    assert.equal(complete("netgen", "r").sort(), ["render", "rollback"]);
    assert.equal(complete("netgen", "push", "--dr"), ["--dry-run"]);
    assert.equal(complete("netgen", "lab", "x.yaml", "--scenario", "th"), ["throughput"]);
    // --limit completes the inventory's host and group names, also after a comma and a '!'.
    writeFileSync(join(work, "fleet.yaml"), FLEET);
    assert.equal(complete("netgen", "push", "fleet.yaml", "--limit", "ve").sort(), ["venue-7", "venue-9", "venues"]);
    assert.equal(complete("netgen", "diff", "fleet.yaml", "--limit", "venues,!l"), ["venues,!lte"]);
    assert.equal(complete("netgen", "status", "--limit", "d"), [], "nothing rendered: no inventory to read");
    assert.is(netgen(["render", "fleet.yaml"], work).code, 0);
    assert.equal(complete("netgen", "status", "--limit", "d"), ["dc-1"], "the one inventory rendered under generated/");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("netgen completion zsh: a zsh completion function; completions carry their descriptions", () => {
  const script = netgen(["completion", "zsh"], REPO, { SHELL: "/bin/bash" });
  assert.is(script.code, 0, script.stderr);
  assert.match(script.stdout, /^#compdef netgen\n/);
  assert.match(script.stdout, /compdef _netgen_yargs_completions netgen/);
  // What the function asks netgen for when zsh runs it (it sets COMP_LINE; $SHELL may name another shell).
  const asked = netgen(["--get-yargs-completions", "netgen", "st"], REPO, { SHELL: "/bin/bash", COMP_LINE: "netgen st" });
  const lines = asked.stdout.split("\n").filter((l) => l !== "");
  assert.ok(lines.includes("status:per host: the release it runs, drift, links, bonds' active paths and failure counts, tc units; then each bundle's paths: state, RTT, loss, switches"), asked.stdout);
  for (const line of lines) assert.match(line, /^[a-z]+:\S/, "name:description, as zsh's _describe reads it");
  const zsh = spawnSync("zsh", ["-n"], { input: script.stdout, encoding: "utf8" });
  if (zsh.error === undefined) assert.is(zsh.status, 0, `zsh -n: ${zsh.stderr}`);
});

/**
 * What a zsh user sees after typing `line` and TAB, in an interactive zsh on a
 * pseudo-terminal (zsh's zpty) with compinit and the script loaded; waits
 * until the terminal shows `expect` (the spawn's timeout fails it otherwise).
 */
function zshCompletes(work: string, line: string, expect: string): string {
  const driver = [
    "zmodload zsh/zpty",
    `zpty z 'PATH=${work}:$PATH zsh -f -i'`,
    `zpty -w z 'autoload -U compinit; compinit -u -D; source ${work}/netgen.zsh; PS1="READY> "'`,
    "zpty -r z ignored '*READY> '",
    `zpty -w -n z $'${line}\\t'`,
    `zpty -r z shown '*${expect}*'`,
    'print -r -- "$shown"',
    "zpty -d z",
  ].join("\n");
  const r = spawnSync("zsh", ["-f"], { input: driver, cwd: work, encoding: "utf8", timeout: 30000 });
  assert.is(r.status, 0, `zsh: ${r.stderr}${r.error ? String(r.error) : ""}`);
  return r.stdout;
}

if (tierAvailable("zsh completion", [command("zsh")])) {
  test("netgen completion zsh: a real zsh completes commands and flags through it", () => {
    const work = mkdtempSync(join(tmpdir(), "netgen-zsh-"));
    try {
      writeFileSync(join(work, "netgen"), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
      chmodSync(join(work, "netgen"), 0o755);
      writeFileSync(join(work, "netgen.zsh"), netgen(["completion", "zsh"], REPO).stdout);
      assert.match(zshCompletes(work, "netgen va", "netgen validate"), /netgen validate/);
      assert.match(zshCompletes(work, "netgen push --dr", "--dry-run"), /netgen push --dry-run/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

test.run();
