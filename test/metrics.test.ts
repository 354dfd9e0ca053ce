// The generated metrics loop on this machine's kernel, read through the real
// node_exporter: inventories/ecmp.yaml's hosts in namespaces (networkd, the
// shaping units), devicea's rendered metrics.sh running as its unit would,
// prometheus-node-exporter's textfile collector scraped over HTTP. Then real
// events: a UDP flood fills and overflows an HTB-shaped uplink, the far end
// drops the probes of one path, then takes that path's link down. (This kernel
// has no bonding: the bond's series are not exercised here.)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildLab, type Lab, type LabHost, runUnit, startAll, units } from "./support/lab-hosts.js";
import { inNs, json } from "../src/lab/namespaces.js";
import { NETWORKD, waitFor } from "./support/networkd.js";
import { command, file, isRoot, tierAvailable } from "./support/tier.js";

const EXPORTER = "/usr/bin/prometheus-node-exporter";
const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
const ready = tierAvailable("metrics through node_exporter", [
  isRoot, file(NETWORKD), file(EXPORTER), file(TEXTFILE_DIR), command("tc"), command("unshare"), command("iperf3"), command("nft"),
]);

/** One scrape: series text (`name{labels}`) -> value. */
type Scrape = Map<string, number>;

function parse(text: string): Scrape {
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_:][a-z0-9_:]*(?:\{[^}]*\})?) (\S+)$/i.exec(line);
    if (m) series.set(m[1]!, Number(m[2]));
  }
  return series;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Poll the exporter until `check` returns a value (a round is 5 s: allow several). */
async function until<T>(what: string, url: string, check: (s: Scrape) => T | undefined, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const s = parse(await (await fetch(url)).text());
      const value = check(s);
      if (value !== undefined && value !== false) return value;
      last = [...s].filter(([k]) => k.startsWith("netgen_")).map(([k, v]) => `${k} ${v}`).join("\n");
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last scrape:\n${last}`);
}

const PATH0 = 'bundle="a-b",path="veth0-veth1",uplink="veth0"';
const PATH1 = 'bundle="a-b",path="veth2-veth3",uplink="veth2"';
const EGRESS0 = 'direction="egress",uplink="veth0"';

test("devicea's metrics loop, scraped through node_exporter: RTT, loss, qdisc drops and backlog, a cut path", async () => {
  if (!ready) return;
  let lab: Lab | undefined;
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "netgen-metrics-"));
  const scratch = mkdtempSync(join(tmpdir(), "netgen-metrics-tmp-"));
  try {
    lab = buildLab("inventories/ecmp.yaml");
    startAll(lab);
    const a = lab.hosts.get("devicea")!;
    const b = lab.hosts.get("deviceb")!;
    for (const h of [a, b]) {
      await waitFor(`${h.name}: addresses`, () => json<unknown[]>(h.ns, "ip", ["-j", "-4", "addr", "show", "dev", h === a ? "veth2" : "veth3"]).length > 0);
      for (const unit of units(h, "netgen-shape-")) {
        await waitFor(`${h.name}: ifbs of ${unit}`, () => shapeDevicesUp(h, unit));
        runUnit(h, unit);
      }
    }

    // Run what the unit runs, in devicea's namespace; the textfile folder is this test's own.
    const unit = readFileSync(join(a.root, "etc/systemd/system/netgen-metrics.service"), "utf8");
    const script = /^ExecStart=(\S+)$/m.exec(unit)![1]!;
    assert.is(script, "/etc/netgen/metrics.sh");
    const bind = `mount --bind '${dir}' ${TEXTFILE_DIR} && exec /bin/sh '${join(a.root, script)}'`;
    // Its work folder (mktemp -d) under one of this test's: a SIGKILL skips the script's own cleanup.
    children.push(spawn("ip", ["netns", "exec", a.ns, "unshare", "-m", "--propagation", "private", "sh", "-c", bind], { stdio: "ignore", detached: true, env: { ...process.env, TMPDIR: scratch } }));
    const port = await freePort();
    children.push(spawn(EXPORTER, ["--collector.disable-defaults", "--collector.textfile", `--collector.textfile.directory=${dir}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore", detached: true }));
    const url = `http://127.0.0.1:${port}/metrics`;

    // Healthy: both paths answer on a veth within a few ms, nothing lost.
    const healthy = await until("both paths measured", url, (s) => (s.has(`netgen_path_rtt_seconds{${PATH0}}`) && s.has(`netgen_path_rtt_seconds{${PATH1}}`) ? s : undefined));
    assert.is(healthy.get("node_textfile_scrape_error"), 0, "node_exporter parsed the file");
    for (const p of [PATH0, PATH1]) {
      const rtt = healthy.get(`netgen_path_rtt_seconds{${p}}`)!;
      assert.ok(rtt > 0 && rtt < 0.05, `${p}: RTT ${rtt} s over a veth`);
      assert.is(healthy.get(`netgen_path_loss_ratio{${p}}`), 0, `${p}: no loss`);
      assert.ok(healthy.get(`netgen_path_probes_sent_total{${p}}`)! >= 5, `${p}: a round's probes counted`);
    }
    process.stdout.write(`\n  healthy: RTT ${healthy.get(`netgen_path_rtt_seconds{${PATH0}}`)} s, ${healthy.get(`netgen_path_rtt_seconds{${PATH1}}`)} s\n`);
    assert.is(healthy.get(`netgen_uplink_qdisc_drops_total{${EGRESS0}}`), 0, "no drops before the flood");
    assert.ok(healthy.has('netgen_uplink_qdisc_backlog_bytes{direction="ingress",uplink="veth0"}'), "the ifb's HTB is reported too");

    // A flood over veth0's 5 Mbit/s egress: 32 UDP senders at 20 Mbit/s each
    // overrun the class's queue (one socket alone is held back by its send buffer).
    inNs(b.ns, "iperf3", ["-s", "-D", "-1", "-B", "10.0.0.2"]);
    await waitFor("iperf3 server", () => inNs(b.ns, "ss", ["-ltn"]).includes("10.0.0.2:5201"));
    children.push(spawn("ip", ["netns", "exec", a.ns, "iperf3", "-c", "10.0.0.2", "-u", "-b", "20M", "-P", "32", "-t", "12"], { stdio: "ignore", detached: true }));
    const during = await until("a backlog during the flood", url, (s) => (s.get(`netgen_uplink_qdisc_backlog_bytes{${EGRESS0}}`)! > 0 ? s : undefined));
    const drops = await until("drops counted", url, (s) => (s.get(`netgen_uplink_qdisc_drops_total{${EGRESS0}}`)! > 0 ? s.get(`netgen_uplink_qdisc_drops_total{${EGRESS0}}`) : undefined));
    process.stdout.write(`  flood: backlog ${during.get(`netgen_uplink_qdisc_backlog_bytes{${EGRESS0}}`)} B / ${during.get(`netgen_uplink_qdisc_backlog_packets{${EGRESS0}}`)} packets, drops ${drops}, path 0 loss under load ${during.get(`netgen_path_loss_ratio{${PATH0}}`)}, RTT ${during.get(`netgen_path_rtt_seconds{${PATH0}}`) ?? "none (no answer)"}\n`);
    // Once the flood is over the counter stops, and the metric equals tc's own count.
    const tcDrops = () => json<{ drops: number }[]>(a.ns, "tc", ["-s", "-j", "qdisc", "show", "dev", "veth0", "root"])[0]!.drops;
    await until("the flood's end", url, (s) => (s.get(`netgen_uplink_qdisc_backlog_bytes{${EGRESS0}}`) === 0 ? true : undefined), 30000);
    await until("metric = tc's drop count", url, (s) => s.get(`netgen_uplink_qdisc_drops_total{${EGRESS0}}`) === tcDrops() || undefined);

    // deviceb drops path 0's probes: its loss goes to 1 and its RTT series goes; path 1 stays whole.
    inNs(b.ns, "nft", ["add table inet cut; add chain inet cut in { type filter hook input priority 0; }; add rule inet cut in iifname veth1 icmp type echo-request drop"]);
    const cut = await until("path 0 lost", url, (s) => (s.get(`netgen_path_loss_ratio{${PATH0}}`) === 1 ? s : undefined));
    assert.not.ok(cut.has(`netgen_path_rtt_seconds{${PATH0}}`), "no RTT without an answer");
    assert.is(cut.get(`netgen_path_loss_ratio{${PATH1}}`), 0, "path 1 unaffected");
    inNs(b.ns, "nft", ["delete table inet cut"]);
    await until("path 0 back", url, (s) => (s.get(`netgen_path_loss_ratio{${PATH0}}`) === 0 ? true : undefined));
    // The far end's link goes down: ping cannot send at all, which counts as lost too.
    inNs(b.ns, "ip", ["link", "set", "veth1", "down"]);
    await until("path 0 lost after link down", url, (s) => (s.get(`netgen_path_loss_ratio{${PATH0}}`) === 1 ? true : undefined));
    process.stdout.write(`  cut: loss 1 by drop and by link down, path 1 at 0\n`);

    // Written through a temp file the collector ignores (not *.prom), renamed into place.
    for (const f of readdirSync(dir)) assert.ok(f === "netgen.prom" || /^\.netgen\.prom\.[0-9]+$/.test(f), `${f} in the textfile folder`);
  } finally {
    for (const c of children) {
      try {
        process.kill(-c.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    await lab?.teardown();
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
});

/** The devices a shaping unit is bound to exist (networkd creates the ifbs). */
function shapeDevicesUp(h: LabHost, unit: string): boolean {
  const text = readFileSync(join(h.root, "etc/systemd/system", unit), "utf8");
  const devices = [...text.matchAll(/sys-subsystem-net-devices-(\S+?)\.device/g)].map((m) => m[1]!.replace(/\\x2d/g, "-"));
  return devices.every((d) => json<unknown[]>(h.ns, "ip", ["-j", "link", "show", d]).length > 0);
}

test.run();
