// Runs where the kernel has bonding, gretap, teql and netem (the lab VM, or this
// machine): builds each bundle's hosts and runs the scenarios; prints JSON.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bundle, type Inventory, KERNEL_MISSED_MAX, type Strategy, type Transport } from "../inventory/types.js";
import { intervalMs } from "../inventory/duration.js";
import { failoverEndIndex } from "../inventory/ends.js";
import type { HostFiles } from "../render/file-set.js";
import { renderHosts, validateFile } from "../pipeline/pipeline.js";
import { type AddressChangeRun, addressChangeScenario } from "./address-change.js";
import { writeUpLayout } from "./control.js";
import { NAT_MODULES } from "./internet.js";
import { givePublicKeys, type LabKey, labKeys } from "./keys.js";
import { inNs } from "./namespaces.js";
import { type ExitPolicyRun, exitPolicyScenario } from "./exit-policy.js";
import { type CutReport, failoverScenario } from "./failover.js";
import { type BondMetrics, watchBondMetrics } from "./metrics-watch.js";
import { pathLabel, tunnelName } from "../plan/names.js";
import { type RedundantCost, redundantScenario } from "./redundant.js";
import { endpoints, measureBundle, measureOnePath, PATH_RATE } from "./throughput.js";
import { separateEqualizers } from "./equalizers.js";
import { buildTopology, loadModules, startUnits, type Topology, type TopologyOptions } from "./topology.js";
import { AGGREGATING, strategyVariant, WIREGUARD_COMPARED } from "./variants.js";
import { vmSlowdown } from "./vm-speed.js";

export type Scenario = "failover" | "throughput" | "nat";

export interface LabRequest {
  inventory: string;
  bundles: string[];
  scenarios: Scenario[];
  /** A file the result so far is written to after each step: a VM that dies mid-run still reports what came before. */
  partial?: string;
}

export interface FailoverRun {
  bundle: string;
  /** netgen: the rendered files; write-up: the first write-up's layout (bonds on both ends), the control. */
  layout: "netgen" | "write-up";
  primary: string;
  /** netgen's layout: the bond's slaves in enslavement order, the order it tries them in with no active path. */
  slaves?: string;
  cuts: CutReport[];
  /** netgen's layout: each masquerading exit's forward policy, checked after the cuts. */
  exitPolicy?: ExitPolicyRun[];
  /** netgen's layout: the bond end's metrics loop, read through the cuts. */
  metrics?: BondMetrics;
  /** netgen's layout: the bond's ARP monitor, which sets the floor of a cut's stall; onBond: arp_missed_max as the kernel had it after the cuts. */
  monitor?: { intervalMs: number; missed: number; onBond?: number };
  /** A redundant bundle (redundant.ts): path 1 cut, no active path; and what the copies cost. */
  strategy?: "redundant";
  cost?: RedundantCost;
}

export interface StrategyRun {
  strategy: Strategy;
  /** The transport the paths ran over (the throughput of a wireguard bundle is measured over gre too). */
  transport?: Transport;
  /** The strategy the inventory declares (the others are the same paths re-cast). */
  declared: boolean;
  oneFlow?: number;
  eightFlows?: number;
  /** Bond members declared down during the runs (bonds only). */
  linkFailures?: number;
  /** balance-rr: the sending bond's root qdisc and class as tc shows them, if netgen paced it (plan/pace.ts). */
  pacer?: string;
  error?: string;
}

export interface ThroughputRun {
  bundle: string;
  pathRate: string;
  paths: number;
  onePath?: number;
  strategies: StrategyRun[];
}

export interface LabResult {
  failover: FailoverRun[];
  throughput: ThroughputRun[];
  /** Address changes under a wireguard failover bundle (the nat scenario). */
  addressChanges?: AddressChangeRun[];
  /** How many times slower than a quiet one the VM measured itself at boot (1 on a real kernel): timings read in its light. */
  slowdown: number;
}

const progress = (line: string) => process.stderr.write(`lab: ${line}\n`);

/** Build the bundle's hosts from `files`, run `body`, always tear down. */
async function withTopology<T>(inventory: Inventory, bundle: Bundle, rendered: HostFiles[], options: TopologyOptions, body: (t: Topology) => Promise<T>): Promise<T> {
  loadModules(rendered, ["sch_netem", "bridge", "veth", "sch_htb", ...(options.internet ? NAT_MODULES : [])]);
  const { files, owners } = separateEqualizers(rendered);
  const root = mkdtempSync(join(tmpdir(), "netgen-lab-"));
  const topology = buildTopology(inventory, bundle, files, owners, root, options);
  try {
    await startUnits(topology, files);
    return await body(topology);
  } catch (error) {
    const logs = [...topology.hosts.values()].map((h) => `--- networkd on ${h.name}:\n${h.networkd?.log().slice(-2500) ?? ""}`).join("\n");
    throw new Error(`${(error as Error).message}\n${logs}`);
  } finally {
    await topology.teardown();
    rmSync(root, { recursive: true, force: true });
  }
}

const filesOf = (inventory: Inventory, bundle: Bundle) => renderHosts(inventory, new Set(bundle.ends.map((e) => e.host)));

/** WireGuard bundles cross ISPs with NAT and DHCP (internet.ts), with the hosts' lab keys. */
const topologyFor = (bundle: Bundle, keys: ReadonlyMap<string, LabKey>): TopologyOptions => (bundle.transport === "wireguard" ? { internet: true, keys } : {});

async function failoverRuns(inventory: Inventory, bundle: Bundle, keys: ReadonlyMap<string, LabKey>): Promise<FailoverRun[]> {
  const gw = bundle.ends[failoverEndIndex(bundle)]!.host;
  const files = filesOf(inventory, bundle);
  progress(`${bundle.name}: failover, netgen's files`);
  const netgen = await withTopology(inventory, bundle, files, topologyFor(bundle, keys), async (t) => {
    // The bond end's metrics loop runs through the cuts: its series must move as the bond did.
    const watch = await watchBondMetrics(t.hosts.get(gw)!, files.find((f) => f.host === gw)!, bundle.name, bundle.paths.map((p) => ({ label: pathLabel(bundle, p), device: tunnelName(bundle.name, p) })));
    const run = await failoverScenario(t, bundle, gw).catch(async (error: unknown) => {
      await watch.stop();
      throw error;
    });
    const metrics = await watch.stop();
    // A kernel before 5.18 has no such file: the run's figures stand without it.
    const onBond = Number(inNs(t.hosts.get(gw)!.ns, "sh", ["-c", `cat /sys/class/net/${bundle.name}/bonding/arp_missed_max 2>/dev/null || true`]).trim()) || undefined;
    const monitor = { intervalMs: intervalMs(bundle.monitorInterval), missed: bundle.monitorMissed ?? KERNEL_MISSED_MAX, onBond };
    return { ...run, metrics, monitor, exitPolicy: await exitPolicyScenario(t, bundle) };
  });
  // The control is the write-up's gre layout; over WireGuard it would measure nothing the write-up had.
  if (bundle.transport === "wireguard") return [{ bundle: bundle.name, layout: "netgen", ...netgen }];
  progress(`${bundle.name}: failover, the write-up's layout (control)`);
  const control = await withTopology(inventory, bundle, writeUpLayout(files, bundle, gw), {}, (t) => failoverScenario(t, bundle, gw, { farBond: true }));
  return [
    { bundle: bundle.name, layout: "netgen", ...netgen },
    { bundle: bundle.name, layout: "write-up", ...control },
  ];
}

/** The failover scenario on a redundant bundle, then the cost of its copies (redundant.ts shapes the paths for that). */
async function redundantRun(inventory: Inventory, bundle: Bundle, keys: ReadonlyMap<string, LabKey>): Promise<FailoverRun> {
  const gw = bundle.ends[failoverEndIndex(bundle)]!.host;
  progress(`${bundle.name}: failover scenario on a redundant bundle, netgen's files`);
  const r = await withTopology(inventory, bundle, filesOf(inventory, bundle), topologyFor(bundle, keys), (t) => redundantScenario(t, inventory, bundle, gw));
  return { bundle: bundle.name, layout: "netgen", strategy: "redundant", primary: "(none: every path)", cuts: r.cuts, cost: r.cost };
}

/** The strategies (and transports) a bundle's throughput is measured as: for a wireguard bundle, teql and balance-rr over WireGuard, and balance-rr over gre on the same paths. */
function throughputCasts(bundle: Bundle): { strategy: Strategy; transport: Transport }[] {
  if (bundle.transport !== "wireguard") {
    const strategies = bundle.strategy === "failover" ? [bundle.strategy] : [bundle.strategy, ...AGGREGATING.filter((s) => s !== bundle.strategy)];
    return strategies.map((strategy) => ({ strategy, transport: bundle.transport }));
  }
  const strategies = bundle.strategy === "failover" ? [bundle.strategy] : [bundle.strategy, ...WIREGUARD_COMPARED.filter((s) => s !== bundle.strategy)];
  // teql "over gre" is teql on the uplinks themselves, which must share a subnet: not these paths (prod.yaml's a-b measures it).
  const transports = (s: Strategy): Transport[] => (s === "teql" ? ["wireguard"] : ["wireguard", "gre"]);
  const casts = strategies.flatMap((strategy) => transports(strategy).map((transport) => ({ strategy, transport })));
  // teql over WireGuard last: on Debian's 6.1 kernel it crashed the VM in wg_packet_encrypt_worker in two
  // of three runs (docs/lab.md), which took every cast after it down too.
  const crashes = (c: { strategy: Strategy; transport: Transport }) => c.strategy === "teql" && c.transport === "wireguard";
  return [...casts.filter((c) => !crashes(c)), ...casts.filter(crashes)];
}

/** `keep(run)`: the run so far, before each cast with it and those after marked lost (written down in case the VM dies in it). */
async function throughputRun(file: string, inventory: Inventory, bundle: Bundle, keys: ReadonlyMap<string, LabKey>, keep: (run: ThroughputRun) => void): Promise<ThroughputRun> {
  const text = readFileSync(file, "utf8");
  const run: ThroughputRun = { bundle: bundle.name, pathRate: PATH_RATE, paths: bundle.paths.length, strategies: [] };
  // Named only where transports are compared.
  const compared = (transport: Transport) => (bundle.transport === "wireguard" ? { transport } : {});
  const isDeclared = (c: { strategy: Strategy; transport: Transport }) => c.strategy === bundle.strategy && c.transport === bundle.transport;
  const casts = throughputCasts(bundle);
  for (const [i, { strategy, transport }] of casts.entries()) {
    const declared = isDeclared({ strategy, transport });
    const lost = casts.slice(i).map((c, j) => ({
      strategy: c.strategy,
      ...compared(c.transport),
      declared: isDeclared(c),
      error: j === 0 ? "lost: the lab stopped while this was measured" : "lost: not measured, the lab stopped before",
    }));
    keep({ ...run, strategies: [...run.strategies, ...lost] });
    progress(`${bundle.name}: throughput as ${strategy} over ${transport}`);
    try {
      const variant = declared ? inventory : givePublicKeys(strategyVariant(file, text, bundle.name, strategy, transport), keys);
      const recast = variant.bundles.find((b) => b.name === bundle.name)!;
      const near = recast.ends[recast.strategy === "failover" ? failoverEndIndex(recast) : 0]!.host;
      const ends = endpoints(variant, recast, near);
      // The paths are the declared bundle's (across the internet for a wireguard one), whatever the variant's transport.
      const measured = await withTopology(variant, recast, filesOf(variant, recast), { ...topologyFor(bundle, keys), pathRate: PATH_RATE }, async (t) => {
        const m = await measureBundle(t, ends, { ...(recast.strategy === "balance-rr" ? { bond: recast.name } : {}), ...(recast.strategy === "ecmp" ? { nextHops: recast.paths.length } : {}) });
        // The unit of the ratios, measured once, in the first run that works.
        run.onePath ??= await measureOnePath(variant, t, recast, ends);
        return m;
      });
      run.strategies.push({ strategy, ...compared(transport), declared, ...measured });
    } catch (error) {
      run.strategies.push({ strategy, ...compared(transport), declared, error: (error as Error).message.split("\n").slice(0, 3).join(" ") });
    }
  }
  return run;
}

export async function runLab(request: LabRequest): Promise<LabResult> {
  const inventory = validateFile(request.inventory);
  const keys = labKeys(inventory);
  givePublicKeys(inventory, keys);
  const result: LabResult = { failover: [], throughput: [], slowdown: vmSlowdown() };
  progress(`VM slowdown x${result.slowdown}`);
  const partial = request.partial;
  // Whole or not at all: written beside, then renamed (the VM may die mid-write).
  const keep = (extra: Partial<LabResult> = {}) => {
    if (partial === undefined) return;
    writeFileSync(`${partial}.tmp`, JSON.stringify({ ...result, ...extra }));
    renameSync(`${partial}.tmp`, partial);
  };
  for (const name of request.bundles) {
    const bundle = inventory.bundles.find((b) => b.name === name)!;
    if (request.scenarios.includes("failover") && bundle.strategy === "failover") result.failover.push(...(await failoverRuns(inventory, bundle, keys)));
    if (request.scenarios.includes("failover") && bundle.strategy === "redundant") result.failover.push(await redundantRun(inventory, bundle, keys));
    keep();
    if (request.scenarios.includes("nat") && bundle.strategy === "failover" && bundle.transport === "wireguard") {
      progress(`${bundle.name}: address changes`);
      const gw = bundle.ends[failoverEndIndex(bundle)]!.host;
      const changes = await withTopology(inventory, bundle, filesOf(inventory, bundle), topologyFor(bundle, keys), (t) => addressChangeScenario(t, bundle, gw));
      (result.addressChanges ??= []).push(changes);
      keep();
    }
    // A wireguard failover bundle's throughput is one path's: its transports are compared on an aggregating bundle.
    const oneAtATime = bundle.strategy === "failover" && bundle.transport === "wireguard";
    if (request.scenarios.includes("throughput") && !oneAtATime) {
      result.throughput.push(await throughputRun(request.inventory, inventory, bundle, keys, (run) => keep({ throughput: [...result.throughput, run] })));
      keep();
    }
  }
  return result;
}

if (process.argv[1]?.endsWith("inside.js")) {
  runLab(JSON.parse(process.argv[2]!) as LabRequest).then(
    // Exit explicitly: a namespace's leftover process may still hold a pipe open.
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`lab failed: ${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
