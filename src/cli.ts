#!/usr/bin/env node
// The command line: yargs wiring only; each command lives in commands/.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { render } from "./commands/render.js";
import { schema } from "./commands/schema.js";
import { validate } from "./commands/validate.js";
import { ExitError, InventoryError } from "./errors.js";
import { formatProblems } from "./validate/report.js";

const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  let code = 0;
  await yargs(argv)
    .scriptName("netgen")
    .usage("netgen: one reviewed inventory of multi-uplink gateways -> persistent systemd-networkd files")
    .command(
      "validate <inventory>",
      "check an inventory: schema and semantic rules, every problem at once",
      (y) => y.positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" }),
      (a) => void (code = validate(a.inventory, out)),
    )
    .command(
      "render <inventory>",
      "render the inventory into generated/<inventory>/<host>/etc/...",
      (y) =>
        y
          .positional("inventory", { type: "string", demandOption: true, describe: "inventory YAML file" })
          .option("o", { alias: "out", type: "string", describe: "output folder (default: generated/<inventory name>)" })
          .option("check", { type: "boolean", default: false, describe: "exit 1 if the folder on disk differs from what would be rendered" })
          .option("limit", { type: "string", describe: "only these hosts, comma separated" }),
      (a) => void (code = render({ inventory: a.inventory, out: a.o, check: a.check, limit: a.limit }, out)),
    )
    .command("schema", "print the inventory's JSON Schema", {}, () => void (code = schema(out)))
    .demandCommand(1, "give a command: validate, render or schema")
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

main(hideBin(process.argv)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof InventoryError) {
      process.stderr.write(`${formatProblems(error.problems)}\n`);
      process.exit(error.code);
    }
    if (error instanceof ExitError) {
      process.stderr.write(`netgen: ${error.message}\n`);
      process.exit(error.code);
    }
    process.stderr.write(`netgen: internal error, please report it with the inventory that caused it:\n${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(3);
  },
);
