#!/usr/bin/env node
// The command line: yargs wiring only; each command lives in commands/.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { diff } from "./commands/diff.js";
import { graph } from "./commands/graph.js";
import { init } from "./commands/init.js";
import { keys } from "./commands/keys.js";
import { lab } from "./commands/lab.js";
import { push } from "./commands/push.js";
import { render } from "./commands/render.js";
import { rollback } from "./commands/rollback.js";
import { status } from "./commands/status.js";
import { schema } from "./commands/schema.js";
import { validate } from "./commands/validate.js";
import { ExitError, InventoryError, type LocatedProblem } from "./errors.js";
import { PACKAGE_JSON } from "./project-files.js";
import { HostKeyRefused, Unreachable } from "./push/connection.js";
import { paintFor } from "./terminal/colour.js";
import { limitCompletions } from "./terminal/completion.js";
import { usageError } from "./terminal/usage-errors.js";
import { formatProblem, formatProblems, visible } from "./validate/report.js";
import { INTERVAL_SECONDS } from "./plan/metrics.js";

const COMMANDS = ["init", "validate", "render", "graph", "schema", "keys", "diff", "push", "status", "rollback", "lab", "completion"];
const out = (line: string) => process.stdout.write(`${line}\n`);
/** --forks of diff and status: hosts read at once (push's --forks counts hosts pushed at once). */
const FORKS = { type: "number", default: 10, describe: "hosts read at once (output stays in inventory order)" } as const;
const paintOut = paintFor(process.stdout);
const paintErr = paintFor(process.stderr);
/** Legal but odd: said on stderr, exit 0, unless --strict makes it an error. */
const warn = (w: LocatedProblem) => process.stderr.write(`${formatProblem(w, "warning", paintErr)}\n\n`);
const warnings = (strict: boolean) => ({ strict, warn });
const STRICT = { type: "boolean", default: false, describe: "treat warnings as errors (exit 1, nothing written): for CI" } as const;
const LIMIT = { type: "string", describe: "only these hosts: names, groups, globs (venue-*), !exclusions, comma separated" } as const;
const INVENTORY = { type: "string", describe: "inventory YAML file (default: the one inventory rendered under generated/)" } as const;
const ACCEPT_NEW = { type: "boolean", default: false, describe: "learn unknown host keys into known_hosts" } as const;
const SSH_CONFIG = { type: "string", describe: "read this ssh config instead of ~/.ssh/config (also NETGEN_SSH_CONFIG)" } as const;
const CONFIRM_TIMEOUT = { type: "number", default: 60, describe: "seconds a host waits for confirmation before it rolls back" } as const;

/** netgen's version, from its package.json (in a checkout and in an installed tarball alike). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version: string }).version;
}

/**
 * yargs picks the completion script, and the form of the completions, by $SHELL.
 * `netgen completion bash|zsh` passes the shell named on the command line on that
 * way. When a script asks for completions, the zsh one sets COMP_LINE in the
 * environment and bash never exports it: that tells the shell, whatever the
 * login shell in $SHELL is (zsh's "name:description" lines would reach bash as words).
 */
function completionShell(argv: string[]): string[] {
  if (argv.includes("--get-yargs-completions")) {
    process.env.SHELL = process.env.COMP_LINE === undefined ? "/bin/bash" : "/bin/zsh";
    return argv;
  }
  const [command, shell, ...rest] = argv;
  if (command !== "completion" || shell === undefined || shell.startsWith("-")) return argv;
  if (shell !== "bash" && shell !== "zsh") throw new ExitError(`completion: netgen writes scripts for bash and zsh, not '${shell}'`);
  process.env.SHELL = `/bin/${shell}`;
  return [command, ...rest];
}

function positiveInt(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ExitError(`${flag}: give a whole number of at least 1`);
  return value;
}

/** --watch alone: every 5 s, the metrics loop's round; --watch N: every N s. */
function watchSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === "") return INTERVAL_SECONDS;
  return positiveInt(/^\d+$/.test(value) ? Number(value) : NaN, "--watch");
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(question);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  await yargs(completionShell(argv))
    .scriptName("netgen")
    // yargs' own words in English, like netgen's (in the bundle its translations are not there to find).
    .locale("en")
    // One ssh config for the whole run: ssh-options.ts reads it through the environment, as it reads NETGEN_SSH_CONFIG.
    .middleware((a) => {
      if (typeof a.sshConfig === "string") process.env.NETGEN_SSH_CONFIG = a.sshConfig;
    })
    .usage("netgen: one reviewed inventory of multi-uplink gateways -> persistent systemd-networkd files")
    .command(
      "validate <inventory>",
      "check an inventory: schema and semantic rules, every problem at once",
      (y) =>
        y
          .positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" })
          .option("strict", STRICT)
          .option("json", { type: "boolean", default: false, describe: "print problems and warnings as JSON (file, line, col, message, hint) on stdout" }),
      (a) => void (code = validate(a.inventory, out, { strict: a.strict, json: a.json, warn, paint: paintOut })),
    )
    .command(
      "render <inventory>",
      "render the inventory into generated/<inventory>/<host>/etc/...",
      (y) =>
        y
          .positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" })
          .option("o", { alias: "out", type: "string", describe: "output folder (default: generated/<inventory name>)" })
          .option("check", { type: "boolean", default: false, describe: "exit 1 if the folder on disk differs from what would be rendered" })
          .option("limit", LIMIT)
          .option("strict", STRICT)
          .option("json", { type: "boolean", default: false, describe: "print what was written (or, with --check, the differences) and the warnings as JSON on stdout" }),
      (a) => void (code = render({ inventory: a.inventory, out: a.o, check: a.check, limit: a.limit, warnings: warnings(a.strict), json: a.json }, out)),
    )
    .command("schema", "print the inventory's JSON Schema", {}, () => void (code = schema(out)))
    .command(
      "init [dir]",
      "write a commented starting inventory to DIR/inventories/SHAPE.yaml (never overwrites)",
      (y) =>
        y
          .positional("dir", { type: "string", default: ".", describe: "folder of the infrastructure repository" })
          .option("shape", { choices: ["branch", "two-sites"] as const, default: "branch" as const, describe: "branch: N uplinks to an exit, failover; two-sites: N links, ECMP" })
          .option("uplinks", { type: "number", default: 2, describe: "paths of the bundle (2 to 8)" }),
      (a) => void (code = init({ dir: a.dir, shape: a.shape, uplinks: a.uplinks }, out)),
    )
    .command(
      "graph <inventory>",
      "draw the topology: hosts, uplinks, bundles, paths, derived MTUs (DOT, or -o FILE.svg)",
      (y) =>
        y
          .positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" })
          .option("o", { alias: "out", type: "string", describe: "write FILE.svg (laid out by Graphviz) or FILE.dot" })
          .option("bundle", { type: "string", describe: "draw only this bundle and the hosts at its ends" }),
      async (a) => void (code = await graph({ inventory: a.inventory, out: a.o, bundle: a.bundle }, (text) => process.stdout.write(text))),
    )
    .command(
      "diff [inventory]",
      "per host, a unified diff of the files on the host against the rendered ones (exit 2: something would change)",
      (y) =>
        y
          .positional("inventory", INVENTORY)
          .option("limit", LIMIT)
          .option("forks", FORKS)
          .option("accept-new", ACCEPT_NEW)
          .option("ssh-config", SSH_CONFIG)
          .option("json", { type: "boolean", default: false, describe: "print every host's files to write, remove and edited on the host, with their diffs, as JSON on stdout" }),
      async (a) => void (code = await diff({ inventory: a.inventory, limit: a.limit, forks: positiveInt(a.forks, "--forks"), acceptNew: a.acceptNew, json: a.json }, out)),
    )
    .command(
      "push [inventory]",
      "send the reviewed files over SSH; each host rolls back by itself unless a new connection confirms it",
      (y) =>
        y
          .positional("inventory", INVENTORY)
          .option("limit", LIMIT)
          .option("forks", { type: "number", default: 10, describe: "hosts pushed at once" })
          .option("serial", { type: "string", describe: "batch size, N or N% (the first batch is a canary)" })
          .option("max-fail", { type: "string", default: "0%", describe: "stop the rollout when more hosts than this have failed" })
          .option("confirm-timeout", CONFIRM_TIMEOUT)
          .option("dry-run", { type: "boolean", default: false, describe: "change nothing: per host the diff and a forecast of the activation (devices recreated or reconfigured, units restarted, reloads, bundles that pause)" })
          .option("json", { type: "boolean", default: false, describe: "print the recap as JSON on stdout (with --dry-run: each host's diff and forecast too)" })
          .option("yes", { type: "boolean", default: false, describe: "do not ask before pushing (asked only on a terminal)" })
          .option("force", { type: "boolean", default: false, describe: "overwrite files edited on the host (drift) or not owned by netgen" })
          .option("accept-new", ACCEPT_NEW)
          .option("ssh-config", SSH_CONFIG),
      async (a) => {
        const forks = positiveInt(a.forks, "--forks");
        const confirmTimeout = positiveInt(a.confirmTimeout, "--confirm-timeout");
        if (a.serial !== undefined && !/^[1-9]\d*%?$/.test(a.serial)) throw new ExitError("--serial: give N or N%, e.g. 1 or 25%");
        if (!/^\d{1,3}%?$/.test(a.maxFail)) throw new ExitError("--max-fail: give a percentage, e.g. 0% or 20%");
        // Declining is an answer, not a failure: exit 0, as when there is nothing to push.
        if (!a.yes && !a.dryRun && process.stdin.isTTY && !(await ask("push the rendered files now? [y/N] "))) {
          process.stderr.write("nothing pushed\n");
          return void (code = 0);
        }
        code = await push(
          { inventory: a.inventory, limit: a.limit, forks, serial: a.serial, maxFail: Number(a.maxFail.replace("%", "")), confirmTimeout, dryRun: a.dryRun, json: a.json, force: a.force, acceptNew: a.acceptNew },
          out,
          (line) => process.stderr.write(`${line}\n`),
        );
      },
    )
    .command(
      "status [inventory]",
      "per host: the release it runs, drift, links, bonds' active paths and failure counts, tc units; then each bundle's paths: state, RTT, loss, switches",
      (y) =>
        y
          .positional("inventory", INVENTORY)
          .option("limit", LIMIT)
          .option("forks", FORKS)
          .option("json", { type: "boolean", default: false, describe: "print every host's state as JSON on stdout" })
          .option("watch", { type: "string", describe: "read the fleet again every SECONDS (default: the metrics round, 5) until Ctrl-C; on a terminal in place" })
          .option("ssh-config", SSH_CONFIG),
      async (a) => void (code = await status({ inventory: a.inventory, limit: a.limit, forks: positiveInt(a.forks, "--forks"), json: a.json, watch: watchSeconds(a.watch) }, out)),
    )
    .command(
      "keys <inventory>",
      "each host makes its WireGuard key pair (private key never leaves it); public keys go to inventories/<name>.keys.yaml",
      (y) =>
        y
          .positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" })
          .option("rotate", { type: "string", array: true, describe: "make a new key on these hosts (the old key file stays for a rollback)" })
          .option("limit", { type: "string", describe: "only these hosts, comma separated" })
          .option("accept-new", { type: "boolean", default: false, describe: "learn unknown host keys into known_hosts" })
          .option("ssh-config", SSH_CONFIG)
          .option("json", { type: "boolean", default: false, describe: "print each host's key outcome and public key, and whether the keys file was written, as JSON on stdout" }),
      async (a) => {
        const rotate = (a.rotate ?? []).flatMap((r) => r.split(",")).map((r) => r.trim()).filter(Boolean);
        if (a.rotate !== undefined && rotate.length === 0) throw new ExitError("--rotate: give the hosts whose key to replace, e.g. --rotate venue-7");
        code = await keys({ inventory: a.inventory, rotate, limit: a.limit, acceptNew: a.acceptNew, json: a.json }, out);
      },
    )
    .command(
      "rollback <host> [inventory]",
      "go back to the host's previous release (with the same self-rollback safety as push)",
      (y) =>
        y
          .positional("host", { type: "string", demandOption: true, describe: "the host to roll back" })
          .positional("inventory", INVENTORY)
          .option("confirm-timeout", CONFIRM_TIMEOUT)
          .option("ssh-config", SSH_CONFIG)
          .option("json", { type: "boolean", default: false, describe: "print the host's outcome, releases and actions as JSON on stdout (progress stays on stderr)" }),
      async (a) => void (code = await rollback({ host: a.host, inventory: a.inventory, confirmTimeout: positiveInt(a.confirmTimeout, "--confirm-timeout"), json: a.json }, out, (line) => process.stderr.write(`${line}\n`))),
    )
    .command(
      "lab <inventory>",
      "run bundles' rendered files on a real kernel (a VM if this one lacks bonding): failover stall, loss, TCP, active path; throughput per strategy",
      (y) =>
        y
          .positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" })
          .option("bundle", { type: "string", describe: "one bundle (default: every bundle)" })
          .option("scenario", { choices: ["failover", "throughput", "nat", "all"] as const, default: "all" as const, describe: "what to measure (nat: a wireguard bundle's uplink changing its address)" })
          .option("json", { type: "boolean", default: false, describe: "print the report as JSON on stdout" })
          .option("plot", { type: "string", describe: "write an SVG timeline of ping RTT and loss around each cut" }),
      async (a) => void (code = await lab({ inventory: a.inventory, bundle: a.bundle, scenario: a.scenario, json: a.json, plot: a.plot }, out)),
    )
    .completion("completion", "print a shell completion script: netgen completion bash >> ~/.bashrc (or zsh >> ~/.zshrc)", (_current: string, _argv: unknown, byYargs: () => void, done: (completions: string[]) => void) => {
      const words = process.argv.slice(process.argv.indexOf("--get-yargs-completions") + 1);
      const hosts = limitCompletions(words);
      return hosts === undefined ? byYargs() : done(hosts);
    })
    .demandCommand(1, `give a command: ${COMMANDS.join(", ")}`)
    .strict()
    .recommendCommands()
    .help("help", "show help (also after a command: netgen push --help)")
    .version("version", "show netgen's version", packageVersion())
    .fail((message, error, usage) => {
      if (error) throw error;
      // The options described where parsing stopped: the failing command's own and the global ones.
      const options = Object.keys((usage as unknown as { getDescriptions(): Record<string, unknown> }).getDescriptions());
      throw new ExitError(`${usageError(message, { argv, commands: COMMANDS, options })}\nrun: netgen --help`);
    })
    .parseAsync();
  return code;
}

/**
 * Exit once stdout and stderr have flushed: process.exit() right after a large
 * write to a pipe cuts it (measured: `netgen lab --json` piped to a reader
 * lost everything after 219,264 bytes).
 */
function exit(code: number): void {
  process.stdout.write("", (flushError?: NodeJS.ErrnoException | null) =>
    process.stderr.write("", () => {
      // A reader that stopped reading (`| head`) is not a failure; a full disk under `> file` is.
      const failed = flushError ?? stdoutError;
      if (failed && failed.code !== "EPIPE") {
        process.stderr.write(`netgen: could not write the output (${failed.code ?? failed.message}): what was written is incomplete\n`, () => process.exit(code === 0 ? 1 : code));
        return;
      }
      process.exit(code);
    }),
  );
}

let stdoutError: NodeJS.ErrnoException | undefined;
process.stdout.on("error", (error: NodeJS.ErrnoException) => (stdoutError ??= error));

main(hideBin(process.argv)).then(
  (code) => exit(code),
  (error: unknown) => {
    if (error instanceof InventoryError) {
      process.stderr.write(`${formatProblems(error.problems, paintErr)}\n`);
      return exit(error.code);
    }
    if (error instanceof ExitError) {
      // A command that stops at one host (rollback, or diff/status when the agent cannot be installed) says which kind of failure.
      const kind = error instanceof Unreachable ? "unreachable: " : error instanceof HostKeyRefused ? "host key refused: " : "";
      process.stderr.write(`${paintErr.error("netgen:")} ${kind}${error.message.split("\n").map(visible).join("\n")}\n`);
      return exit(error.code);
    }
    process.stderr.write(`netgen: internal error, please report it with the inventory that caused it:\n${(error as Error)?.stack ?? String(error)}\n`);
    exit(3);
  },
);
