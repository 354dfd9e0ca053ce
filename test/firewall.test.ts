// netgen's nftables table on this machine's kernel, as rendered: the
// systemd-versions pair (gw257, exit257) loaded with `nft -f` into namespaces
// whose veths carry the rendered device names.
// - input: GRE reaches a tunnel's local address from its far end only; GRE from
//   another address on the same segment is dropped and counted; other traffic
//   from that address (ping) still passes (the policy stays accept).
// - clamp: a TCP handshake from a LAN client behind gw257 to a server behind
//   exit257's n0: the SYN's MSS is clamped by gw257, the SYN-ACK's by exit257,
//   each to the bundle's MTU - 40, read back from each end's socket (ss).
// This kernel has no GRE module: the GRE packets are written and read with raw
// IP sockets (python3), which is what a GRE module would receive.
// Needs root and namespaces: run under /tmp/netgen-heavy.lock.
import { spawn } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { HostPlan } from "../src/plan/model.js";
import { renderInventory } from "../src/pipeline/pipeline.js";
import { renderHost } from "../src/render/render-host.js";
import { dropCount } from "../src/lab/exit-policy.js";
import { inNs, ip, link, newNamespace, removeNamespace, run } from "../src/lab/namespaces.js";
import { command, isRoot, tierAvailable } from "./support/tier.js";

const ready = tierAvailable("netgen's nftables table", [isRoot, command("nft"), command("ping"), command("ss"), command("python3")]);
const INVENTORY = "test/golden/systemd-versions/inventory.yaml";

function renderedFile(name: string, path: string): string {
  const host = renderInventory(INVENTORY).hosts.find((h) => h.host === name)!;
  const entry = host.entries.find((e) => e.path === path);
  assert.ok(entry && entry.kind === "file", `${name} renders ${path}`);
  return (entry as { content: string }).content;
}
const rules = (name: string) => renderedFile(name, "etc/netgen/firewall.nft");

/** Runs `f` with fresh namespaces, removed afterwards whatever happens. */
async function withNamespaces(names: string[], f: (ns: Record<string, string>) => Promise<void> | void): Promise<void> {
  const ns: Record<string, string> = {};
  try {
    for (const n of names) ns[n] = newNamespace(n);
    await f(ns);
  } finally {
    for (const n of Object.values(ns)) removeNamespace(n);
  }
}

const dropped = (ns: string, chain: string): number => dropCount(inNs(ns, "nft", ["list", "chain", "inet", "netgen", chain]));

/** A child process's whole stdout, once it has exited (rejects on a non-zero exit). */
function started(ns: string, cmd: string, args: string[]): { ready: Promise<void>; done: Promise<string> } {
  const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let signal: () => void = () => {};
  const readyP = new Promise<void>((resolve) => (signal = resolve));
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("ready\n")) signal();
  });
  child.stderr.on("data", (d: Buffer) => void (err += d.toString()));
  const done = new Promise<string>((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}`)))),
  );
  return { ready: Promise.race([readyP, done.then(() => {})]), done };
}

// Receives IP protocol 47 for `seconds` and prints each source address: what a GRE module would get.
const GRE_RECEIVER = `
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
s.settimeout(0.2)
print("ready", flush=True)
end = time.time() + float(sys.argv[1])
while time.time() < end:
    try:
        data, (src, _) = s.recvfrom(2048)
        print("from", src, flush=True)
    except socket.timeout:
        pass
`;
// Sends one GRE packet (transparent Ethernet bridging, as gretap) from argv[1] to argv[2].
const GRE_SENDER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
s.bind((sys.argv[1], 0))
s.sendto(b"\\x00\\x00\\x65\\x58" + bytes(60), (sys.argv[2], 0))
`;

/** The MSS each end's kernel uses on one connection (timestamps off: exactly the peer's MSS or its own route's). */
async function handshakeMss(server: string, client: string, address: string): Promise<{ server: number; client: number }> {
  const port = 5001;
  // Each end reads its MSS while the connection is still established: the client closes only
  // after the server has read its own (a client closing at once left the server in CLOSE_WAIT,
  // which "state established" does not list: CI failed on that race once).
  const ssMss = `const o = require("child_process").execFileSync("ss", ["-tinH", "state", "established"]).toString();
    const m = /\\bmss:(\\d+)/.exec(o); if (!m) throw new Error("no mss in: " + o); console.log("mss " + m[1]);`;
  const serverJs = `const net = require("net");
    const srv = net.createServer((c) => { ${ssMss} c.write("x"); c.on("end", () => { c.end(); srv.close(); }); });
    srv.listen(${port}, () => console.log("ready"));`;
  const clientJs = `const net = require("net");
    const c = net.connect(${port}, "${address}", () => { ${ssMss} });
    c.on("data", () => c.end());`;
  const s = started(server, process.execPath, ["-e", serverJs]);
  await s.ready;
  const c = inNs(client, process.execPath, ["-e", clientJs]);
  const mss = (out: string) => Number(/^mss (\d+)$/m.exec(out)![1]);
  return { server: mss(await s.done), client: mss(c) };
}

if (ready) {
  test("GRE reaches exit257 from its tunnels' far ends only; other traffic from elsewhere still passes", async () => {
    await withNamespaces(["exit", "far"], async ({ exit, far }) => {
      // exit257's path a0-a0: local 10.57.1.3, far end gw257's 10.57.1.2. 10.57.1.9 sits on the same segment.
      link(exit!, "a0", far!, "eth0");
      ip("-n", exit!, "addr", "add", "10.57.1.3/24", "dev", "a0");
      for (const a of ["10.57.1.2/24", "10.57.1.9/24"]) ip("-n", far!, "addr", "add", a, "dev", "eth0");

      const receive = async (from: string): Promise<string> => {
        const r = started(exit!, "python3", ["-c", GRE_RECEIVER, "1.5"]);
        await r.ready;
        inNs(far!, "python3", ["-c", GRE_SENDER, from, "10.57.1.3"]);
        return r.done;
      };
      assert.match(await receive("10.57.1.9"), /from 10\.57\.1\.9/, "control: without the table GRE from anyone arrives");

      run("ip", ["netns", "exec", exit!, "nft", "-f", "-"], rules("exit257"));
      const before = dropped(exit!, "input");
      assert.match(await receive("10.57.1.2"), /from 10\.57\.1\.2/, "GRE from the declared far end does not arrive");
      assert.is(dropped(exit!, "input"), before, "the far end's GRE was counted as dropped");
      assert.not.match(await receive("10.57.1.9"), /from 10\.57\.1\.9/, "GRE from a non-peer arrives");
      assert.is(dropped(exit!, "input"), before + 1, "the non-peer's GRE was not counted");
      // Only tunnel protocols are filtered: the non-peer address still reaches the host.
      inNs(far!, "ping", ["-c", "1", "-W", "2", "-I", "10.57.1.9", "10.57.1.3"]);
    });
  });

  test("the SYN is clamped by gw257 and the SYN-ACK by exit257, each to b257's MTU - 40", async () => {
    const mtu = Number(/^MTUBytes=(\d+)$/m.exec(renderedFile("gw257", "etc/systemd/network/10-netgen-b257.netdev"))![1]);
    assert.is(Number(/^MTUBytes=(\d+)$/m.exec(renderedFile("exit257", "etc/systemd/network/10-netgen-b257.netdev"))![1]), mtu);
    for (const name of ["gw257", "exit257"]) assert.match(renderedFile(name, "etc/sysctl.d/60-netgen.conf"), /^net\/ipv4\/ip_forward = 1$/m, `${name} forwards`);
    await withNamespaces(["client", "gw", "exit", "server"], async ({ client, gw, exit, server }) => {
      link(client!, "eth0", gw!, "lan0");
      link(gw!, "b257", exit!, "b257");
      link(exit!, "n0", server!, "eth0");
      for (const ns of [gw!, exit!]) ip("-n", ns, "link", "set", "b257", "mtu", String(mtu));
      ip("-n", client!, "addr", "add", "192.168.57.10/24", "dev", "eth0");
      ip("-n", client!, "route", "add", "default", "via", "192.168.57.1");
      ip("-n", gw!, "addr", "add", "192.168.57.1/24", "dev", "lan0");
      ip("-n", gw!, "addr", "add", "10.57.9.1/24", "dev", "b257");
      ip("-n", gw!, "route", "add", "default", "via", "10.57.9.2");
      ip("-n", exit!, "addr", "add", "10.57.9.2/24", "dev", "b257");
      ip("-n", exit!, "addr", "add", "203.0.113.20/24", "dev", "n0");
      // What a routes: entry on exit257's end would add: the way back to gw257's LAN.
      ip("-n", exit!, "route", "add", "192.168.57.0/24", "via", "10.57.9.1");
      ip("-n", server!, "addr", "add", "203.0.113.1/24", "dev", "eth0");
      for (const ns of [gw!, exit!]) inNs(ns, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
      // Without timestamps each end's MSS is exactly the smaller of the peer's and its own route's MTU - 40.
      for (const ns of [client!, server!]) inNs(ns, "sysctl", ["-qw", "net.ipv4.tcp_timestamps=0"]);

      // Control: exit257's table (it masquerades the LAN out of n0) without its clamp chain.
      run("ip", ["netns", "exec", exit!, "nft", "-f", "-"], rules("exit257"));
      inNs(exit!, "nft", ["delete", "chain", "inet", "netgen", "clamp"]);
      assert.equal(await handshakeMss(server!, client!, "203.0.113.1"), { server: 1460, client: 1460 }, "control: no clamping anywhere");

      run("ip", ["netns", "exec", exit!, "nft", "-f", "-"], rules("exit257"));
      assert.equal(await handshakeMss(server!, client!, "203.0.113.1"), { server: 1460, client: mtu - 40 }, "exit257 clamps the SYN-ACK into b257");

      run("ip", ["netns", "exec", gw!, "nft", "-f", "-"], rules("gw257"));
      assert.equal(await handshakeMss(server!, client!, "203.0.113.1"), { server: mtu - 40, client: mtu - 40 }, "gw257 clamps the SYN into b257");
    });
  });

  test("a hand-filled plan's UDP ports (WireGuard's, when a planner fills them) load into the input chain", async () => {
    const plan: HostPlan = {
      host: "wg",
      inventory: "hand.yaml",
      systemd: 257,
      netdevs: [],
      networks: [],
      shapers: [],
      equalizers: [],
      segmenters: [],
      bondSettings: [],
      modules: [],
      moduleOptions: [],
      sysctls: [],
      firewall: { input: { gre: [], udp: [{ port: 51820, why: "WireGuard of bundle b0 listens here" }] }, clampMss: [] },
    };
    const entry = renderHost(plan).entries.find((e) => e.path === "etc/netgen/firewall.nft");
    assert.ok(entry && entry.kind === "file", "no firewall.nft for a plan with a UDP port");
    const text = (entry as { content: string }).content;
    assert.match(text, /# WireGuard of bundle b0 listens here\n\t\tudp dport 51820 accept\n/);
    await withNamespaces(["wg"], ({ wg }) => {
      run("ip", ["netns", "exec", wg!, "nft", "-f", "-"], text);
      const chain = inNs(wg!, "nft", ["list", "chain", "inet", "netgen", "input"]);
      assert.match(chain, /policy accept;/);
      assert.match(chain, /udp dport 51820 accept/);
      assert.match(chain, /meta l4proto gre counter packets 0 bytes 0 drop/, "GRE is dropped on a host with no GRE tunnel");
    });
  });
} else {
  test("netgen's nftables table tier skipped", () => {});
}

test.run();
