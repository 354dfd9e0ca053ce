// netgen lab INVENTORY [--bundle NAME] [--json]: run a bundle's rendered files
// on a real kernel and measure what users care about. This part: the failover
// scenario (stall, loss, TCP survival, active path, return to the primary).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitError } from "../errors.js";
import { type LabRequest, runLab } from "../lab/inside.js";
import { distributionKernel, runInVm } from "../lab/vm.js";
import { validateFile } from "../validate/validate.js";

const INSIDE = fileURLToPath(new URL("../lab/inside.js", import.meta.url));
const NEEDED = ["bonding", "ip_gre", "sch_netem"];

function localKernelHas(modules: string[]): boolean {
  return modules.every((m) => {
    try {
      execFileSync("modprobe", ["-n", "-q", m], { stdio: "ignore" });
      return true;
    } catch {
      return existsSync(`/sys/module/${m}`);
    }
  });
}

export async function lab(args: { inventory: string; bundle?: string; json: boolean }, print: (line: string) => void): Promise<number> {
  if (process.getuid?.() !== 0) throw new ExitError("netgen lab builds network namespaces and loads modules: run it as root");
  const inventory = validateFile(args.inventory);
  const bundle = args.bundle ? inventory.bundles.find((b) => b.name === args.bundle) : inventory.bundles.find((b) => b.strategy === "failover");
  if (!bundle) throw new ExitError(args.bundle ? `no bundle '${args.bundle}' in ${args.inventory}` : `${args.inventory} has no failover bundle: name one with --bundle`);
  if (bundle.strategy !== "failover") throw new ExitError(`bundle ${bundle.name} is ${bundle.strategy}: this netgen's lab runs the failover scenario only`);
  const request: LabRequest = { inventory: resolve(args.inventory), bundle: bundle.name };
  let where: string;
  let result: Awaited<ReturnType<typeof runLab>>;
  if (localKernelHas(NEEDED)) {
    where = `this machine's kernel (${execFileSync("uname", ["-r"], { encoding: "utf8" }).trim()})`;
    result = await runLab(request);
  } else {
    const kernel = distributionKernel();
    where = `a VM (qemu, software emulation) with Debian's kernel ${kernel.release}: this machine's kernel lacks ${NEEDED.filter((m) => !localKernelHas([m])).join(", ")}`;
    if (!args.json) print(`lab: booting ${where}`);
    mkdirSync(".lab", { recursive: true });
    const script = `cd '${process.cwd()}' && ${process.execPath} '${INSIDE}' '${JSON.stringify(request)}' > /lab-out/result.json`;
    const { console, outDir } = await runInVm(resolve(".lab"), script, 600000);
    const resultFile = `${outDir}/result.json`;
    const text = existsSync(resultFile) ? readFileSync(resultFile, "utf8") : "";
    if (!text.trim()) throw new ExitError(`the lab failed inside the VM:\n${console.slice(-3000)}`);
    result = JSON.parse(text) as typeof result;
  }
  if (args.json) {
    print(JSON.stringify({ ran: where, ...result }, null, 2));
    return 0;
  }
  for (const line of labTable({ ran: where, ...result })) print(line);
  return 0;
}

/** The issue's goals, each said met or MISSED with the figure (monitor interval 100 ms). */
export function goals(cuts: { mode: string; stallMs: number; tcpSurvived: boolean; changesAfterRestore: number; activeBefore: string; activeAfter: string; tcpOutput?: string }[]): string[] {
  return cuts.flatMap((c) => [
    `goal ${c.mode}: the bond moves off the cut path: ${c.activeAfter !== c.activeBefore ? "met" : "MISSED"}`,
    `goal ${c.mode}: stall at most 250 ms: ${c.stallMs <= 250 ? "met" : "MISSED"} (${c.stallMs} ms; 100 ms ARP interval, and this VM emulates its CPU, so timers run late)`,
    `goal ${c.mode}: the TCP stream survives: ${c.tcpSurvived ? "met" : `MISSED (iperf3: ${(c.tcpOutput ?? "").trim().split("\n").pop()})`}`,
    `goal ${c.mode}: no flapping after restore (one change, back to the primary): ${c.changesAfterRestore <= 1 ? "met" : `MISSED (${c.changesAfterRestore} changes)`}`,
  ]);
}

export type LabReport = Awaited<ReturnType<typeof runLab>> & { ran: string };

/** The readable report: one row per cut, then the goals. */
export function labTable(r: LabReport): string[] {
  return [
    `lab: ${r.bundle} (${r.strategy}) on ${r.ran}`,
    `primary path: ${r.primary}`,
    "| cut | active before -> after | stall | lost / sent (20 ms pings) | TCP stream | back to primary after restore | path changes in 10 s after (path@ms) |",
    "|---|---|---:|---:|---|---:|---|",
    ...r.cuts.map((c) => `| ${c.mode} | ${c.activeBefore} -> ${c.activeAfter} | ${c.stallMs} ms | ${c.lost} / ${c.sent} | ${c.tcpSurvived ? "survived" : "BROKEN"} | ${c.backToPrimaryMs === null ? "never" : `${c.backToPrimaryMs} ms`} | ${c.changesAfterRestore}: ${c.afterRestore.join(" ")} |`),
    "",
    ...goals(r.cuts),
  ];
}
