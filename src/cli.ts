#!/usr/bin/env node
// The command line: yargs wiring only; each command lives in commands/.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { createInterface } from "node:readline/promises";
import { diff } from "./commands/diff.js";
import { graph } from "./commands/graph.js";
import { init } from "./commands/init.js";
import { lab } from "./commands/lab.js";
import { push } from "./commands/push.js";
import { render } from "./commands/render.js";
import { rollback } from "./commands/rollback.js";
import { status } from "./commands/status.js";
import { schema } from "./commands/schema.js";
import { validate } from "./commands/validate.js";
import { ExitError, InventoryError, type LocatedProblem } from "./errors.js";
import { HostKeyRefused, Unreachable } from "./push/connection.js";
import { formatProblem, formatProblems, visible } from "./validate/report.js";

const out = (line: string) => process.stdout.write(`${line}\n`);
/** Legal but odd: said on stderr, exit 0, unless --strict makes it an error. */
const warnings = (strict: boolean) => ({ strict, warn: (w: LocatedProblem) => process.stderr.write(`${formatProblem(w, "warning")}\n\n`) });
const STRICT = { type: "boolean", default: false, describe: "treat warnings as errors" } as const;

function positiveInt(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ExitError(`${flag}: give a whole number of at least 1`);
  return value;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(question);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  await yargs(argv)
    .scriptName("netgen")
    .usage("netgen: one reviewed inventory of multi-uplink gateways -> persistent systemd-networkd files")
    .command(
      "validate <inventory>",
      "check an inventory: schema and semantic rules, every problem at once",
      (y) => y.positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" }).option("strict", STRICT),
      (a) => void (code = validate(a.inventory, out, warnings(a.strict))),
    )
    .command(
      "render <inventory>",
      "render the inventory into generated/<inventory>/<host>/etc/...",
      (y) =>
        y
          .positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" })
          .option("o", { alias: "out", type: "string", describe: "output folder (default: generated/<inventory name>)" })
          .option("check", { type: "boolean", default: false, describe: "exit 1 if the folder on disk differs from what would be rendered" })
          .option("limit", { type: "string", describe: "only these hosts, comma separated" })
          .option("strict", STRICT),
      (a) => void (code = render({ inventory: a.inventory, out: a.o, check: a.check, limit: a.limit, warnings: warnings(a.strict) }, out)),
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
      (y) => y.positional("inventory", { type: "string" }).option("limit", { type: "string" }).option("accept-new", { type: "boolean", default: false }),
      async (a) => void (code = await diff({ inventory: a.inventory, limit: a.limit, acceptNew: a.acceptNew }, out)),
    )
    .command(
      "push [inventory]",
      "send the reviewed files over SSH; each host rolls back by itself unless a new connection confirms it",
      (y) =>
        y
          .positional("inventory", { type: "string", describe: "default: the one inventory rendered under generated/" })
          .option("limit", { type: "string", describe: "only these hosts, comma separated" })
          .option("forks", { type: "number", default: 10, describe: "hosts pushed at once" })
          .option("serial", { type: "string", describe: "batch size, N or N% (the first batch is a canary)" })
          .option("max-fail", { type: "string", default: "0%", describe: "stop the rollout when more hosts than this have failed" })
          .option("confirm-timeout", { type: "number", default: 60, describe: "seconds a host waits for confirmation before it rolls back" })
          .option("dry-run", { type: "boolean", default: false })
          .option("json", { type: "boolean", default: false })
          .option("yes", { type: "boolean", default: false, describe: "do not ask before pushing (asked only on a terminal)" })
          .option("force", { type: "boolean", default: false, describe: "overwrite files edited on the host (drift) or not owned by netgen" })
          .option("accept-new", { type: "boolean", default: false, describe: "learn unknown host keys into known_hosts" }),
      async (a) => {
        const forks = positiveInt(a.forks, "--forks");
        const confirmTimeout = positiveInt(a.confirmTimeout, "--confirm-timeout");
        if (a.serial !== undefined && !/^[1-9]\d*%?$/.test(a.serial)) throw new ExitError("--serial: give N or N%, e.g. 1 or 25%");
        if (!/^\d{1,3}%?$/.test(a.maxFail)) throw new ExitError("--max-fail: give a percentage, e.g. 0% or 20%");
        if (!a.yes && !a.dryRun && process.stdin.isTTY && !(await ask("push the rendered files now? [y/N] "))) return void (code = 1);
        code = await push(
          { inventory: a.inventory, limit: a.limit, forks, serial: a.serial, maxFail: Number(a.maxFail.replace("%", "")), confirmTimeout, dryRun: a.dryRun, json: a.json, force: a.force, acceptNew: a.acceptNew },
          out,
          (line) => process.stderr.write(`${line}\n`),
        );
      },
    )
    .command(
      "status [inventory]",
      "per host: the release it runs, drift, links, bonds' active paths and failure counts, tc units",
      (y) => y.positional("inventory", { type: "string" }).option("limit", { type: "string" }).option("json", { type: "boolean", default: false }),
      async (a) => void (code = await status({ inventory: a.inventory, limit: a.limit, json: a.json }, out)),
    )
    .command(
      "rollback <host> [inventory]",
      "go back to the host's previous release (with the same self-rollback safety as push)",
      (y) => y.positional("host", { type: "string", demandOption: true }).positional("inventory", { type: "string" }).option("confirm-timeout", { type: "number", default: 60 }),
      async (a) => void (code = await rollback({ host: a.host, inventory: a.inventory, confirmTimeout: positiveInt(a.confirmTimeout, "--confirm-timeout") }, out)),
    )
    .command(
      "lab <inventory>",
      "run bundles' rendered files on a real kernel (a VM if this one lacks bonding): failover stall, loss, TCP, active path; throughput per strategy",
      (y) =>
        y
          .positional("inventory", { type: "string", demandOption: true })
          .option("bundle", { type: "string", describe: "one bundle (default: every bundle)" })
          .option("scenario", { choices: ["failover", "throughput", "nat", "all"] as const, default: "all" as const })
          .option("json", { type: "boolean", default: false })
          .option("plot", { type: "string", describe: "write an SVG timeline of ping RTT and loss around each cut" }),
      async (a) => void (code = await lab({ inventory: a.inventory, bundle: a.bundle, scenario: a.scenario, json: a.json, plot: a.plot }, out)),
    )
    .demandCommand(1, "give a command: init, validate, render, graph, schema, diff, push, status, rollback or lab")
    .strict()
    .help()
    .version(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new ExitError(`${message}\nrun: netgen --help`);
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
      process.stderr.write(`${formatProblems(error.problems)}\n`);
      return exit(error.code);
    }
    if (error instanceof ExitError) {
      // A command that stops at one host (rollback, or diff/status when the agent cannot be installed) says which kind of failure.
      const kind = error instanceof Unreachable ? "unreachable: " : error instanceof HostKeyRefused ? "host key refused: " : "";
      process.stderr.write(`netgen: ${kind}${error.message.split("\n").map(visible).join("\n")}\n`);
      return exit(error.code);
    }
    process.stderr.write(`netgen: internal error, please report it with the inventory that caused it:\n${(error as Error)?.stack ?? String(error)}\n`);
    exit(3);
  },
);
