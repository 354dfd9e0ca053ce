// netgen lab INVENTORY [--bundle NAME] [--json]: run a bundle's rendered files
// on a real kernel and measure what users care about. This part: the failover
// scenario (stall, loss, TCP survival, active path, return to the primary).
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ExitError } from "../errors.js";
import type { Inventory } from "../inventory/types.js";
import { type LabRequest, type LabResult, runLab, type Scenario } from "../lab/inside.js";
import { plotSvg } from "../lab/plot.js";
import { type LabReport, labTable } from "../lab/report.js";
import { kernelHas } from "../lab/kernel-modules.js";
import { distributionKernel, runInVm } from "../lab/vm.js";
import { validateFile } from "../pipeline/pipeline.js";
import { LAB_INSIDE } from "../project-files.js";

const NEEDED = ["bonding", "ip_gre", "sch_teql", "sch_netem"];
/** Every scenario on prod.yaml takes about 10 minutes in the emulated VM. */
const VM_TIMEOUT_MS = 45 * 60 * 1000;

/** The kernel's own words on why the VM died (its serial console), if it said any. */
function kernelTrouble(serialLog: string): string {
  const text = existsSync(serialLog) ? readFileSync(serialLog, "utf8") : "";
  const lines = text.split("\n").filter((l) => /kernel BUG|BUG:|Oops|RIP: 0010:|Workqueue:|Kernel panic/.test(l)).map((l) => l.replace(/^\[[ \d.]+\]\s*/, "").trim());
  return lines.length ? `; the kernel said: ${[...new Set(lines)].slice(0, 5).join(" | ")}` : "";
}

export type ScenarioChoice = "failover" | "throughput" | "nat" | "all";

export interface LabArgs {
  inventory: string;
  bundle?: string;
  scenario: ScenarioChoice;
  json: boolean;
  plot?: string;
}

/** Bundles and scenarios to run, refused before anything is built when they do not fit. */
function choose(args: LabArgs, inventory: Inventory): LabRequest {
  const scenarios: Scenario[] = args.scenario === "all" ? ["failover", "nat", "throughput"] : [args.scenario];
  let bundles = inventory.bundles;
  if (args.bundle !== undefined) {
    const named = inventory.bundles.find((b) => b.name === args.bundle);
    if (!named) throw new ExitError(`no bundle '${args.bundle}' in ${args.inventory}; it has: ${inventory.bundles.map((b) => b.name).join(", ") || "none"}`);
    bundles = [named];
  }
  if (args.scenario === "failover") {
    bundles = bundles.filter((b) => b.strategy === "failover" || b.strategy === "redundant");
    if (bundles.length === 0) throw new ExitError(`the failover scenario needs a failover or redundant bundle; ${args.bundle ? `${args.bundle} is not one` : `${args.inventory} has none`}: use --scenario throughput`);
  }
  if (args.scenario === "nat") {
    bundles = bundles.filter((b) => b.strategy === "failover" && b.transport === "wireguard");
    if (bundles.length === 0) throw new ExitError(`the nat scenario needs a failover bundle with transport: wireguard; ${args.bundle ? `${args.bundle} is not one` : `${args.inventory} has none`}`);
  }
  if (bundles.length === 0) throw new ExitError(`${args.inventory} has no bundle to run`);
  if (args.plot !== undefined && !bundles.some((b) => (b.strategy === "failover" || b.strategy === "redundant") && scenarios.includes("failover"))) throw new ExitError("--plot draws the failover scenario's cuts: this run has none");
  return { inventory: resolve(args.inventory), bundles: bundles.map((b) => b.name), scenarios };
}

export async function lab(args: LabArgs, print: (line: string) => void): Promise<number> {
  if (process.getuid?.() !== 0) throw new ExitError("netgen lab builds network namespaces and loads modules: run it as root");
  const request = choose(args, validateFile(args.inventory));
  // Fail now, not after a ten-minute run: the plot's folder must take a file
  // (checked without leaving one behind: a failed run writes nothing).
  if (args.plot !== undefined) {
    const folder = dirname(resolve(args.plot));
    // access() alone says yes to root for a file where the folder should be.
    if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new ExitError(`--plot ${args.plot}: ${folder} is not a folder: give the path of an SVG file in an existing folder`);
    if (existsSync(args.plot) && statSync(args.plot).isDirectory()) throw new ExitError(`--plot ${args.plot}: that is a folder: give the path of an SVG file`);
    try {
      accessSync(folder, constants.W_OK);
    } catch {
      throw new ExitError(`--plot ${args.plot}: cannot write in ${folder}: give a writable path`);
    }
  }
  let ran: string;
  let emulated = false;
  let result: LabResult;
  let stopped: string | undefined;
  if (kernelHas(NEEDED)) {
    ran = `this machine's kernel (${execFileSync("uname", ["-r"], { encoding: "utf8" }).trim()})`;
    result = await runLab(request);
  } else {
    const kernel = distributionKernel();
    emulated = true;
    ran = `a VM (qemu, software emulation) with Debian's kernel ${kernel.release}: this machine's kernel lacks ${NEEDED.filter((m) => !kernelHas([m])).join(", ")}`;
    if (!args.json) print(`lab: booting ${ran}`);
    mkdirSync(".lab", { recursive: true });
    const script = `cd '${process.cwd()}' && ${process.execPath} '${LAB_INSIDE}' '${JSON.stringify({ ...request, partial: "/lab-out/partial.json" })}' > /lab-out/result.json`;
    const outDir = resolve(".lab/out");
    try {
      const { console } = await runInVm(resolve(".lab"), script, VM_TIMEOUT_MS);
      const resultFile = `${outDir}/result.json`;
      const text = existsSync(resultFile) ? readFileSync(resultFile, "utf8") : "";
      if (!text.trim()) throw new ExitError(`the lab failed inside the VM:\n${console.slice(-3000)}`);
      result = JSON.parse(text) as LabResult;
    } catch (error) {
      // A VM lost mid-run (a kernel crash, the time limit) still reports what it had measured before.
      const partialFile = `${outDir}/partial.json`;
      if (!(error instanceof ExitError) || !existsSync(partialFile)) throw error;
      result = JSON.parse(readFileSync(partialFile, "utf8")) as LabResult;
      stopped = `${error.message.split("\n")[0]!.replace(/; its output:$/, "")}${kernelTrouble(resolve(".lab/serial.log"))}`;
    }
  }
  const report: LabReport = { ran, emulated, ...result, ...(stopped ? { stopped } : {}) };
  if (args.plot !== undefined) {
    // Whole or not at all: written beside, then renamed into place.
    writeFileSync(`${args.plot}.partial`, plotSvg(report.failover));
    renameSync(`${args.plot}.partial`, args.plot);
  }
  if (args.json) print(JSON.stringify(report, null, 2));
  else for (const line of labTable(report)) print(line);
  return stopped ? 1 : 0;
}
