// The nat scenario's address changes, under a wireguard failover bundle whose
// gateway sits behind NAT: the path over its DHCP uplink carries the bundle
// alone (the other uplinks down), pings every 20 ms and a TCP stream cross
// it, and the uplink's address changes mid-stream, twice: a new DHCP lease
// with another address (the modem reconnects), then the CGNAT's outside
// address (every mapping through it gone). WireGuard has to carry on from the
// new address: the dialing end's next packet comes from it and the listening
// end follows it (roaming), no later than the next keepalive.
import type { Bundle } from "../inventory/types.js";
import { tunnelName } from "../plan/names.js";
import { KEEPALIVE_SECONDS } from "../plan/wireguard.js";
import { changeLease, changeOutside, type Isp } from "./internet.js";
import { answersPing, inNs, startInNs } from "./namespaces.js";
import { sleep, waitFor } from "./networkd.js";
import { watch } from "./observe.js";
import type { Topology } from "./topology.js";
import { vmSlowdown } from "./vm-speed.js";

export interface AddressChange {
  kind: "new-lease" | "nat-outside";
  /** The path that changed (it carried the bundle alone). */
  path: string;
  uplink: string;
  before: string;
  after: string;
  /** ms from the change to the new address on the uplink (a new lease only: DHCP's own time). */
  leaseMs?: number;
  /** ms from the new address (the lease, or the NAT's change) to the reply to the first ping sent after it that came back across the bundle. */
  recoverMs: number | null;
  /** The longest gap between ping replies from the change on (ms). */
  stallMs: number;
  lost: number;
  sent: number;
  tcpSurvived: boolean;
  tcpOutput?: string;
}

export interface AddressChangeRun {
  bundle: string;
  keepaliveSeconds: number;
  changes: AddressChange[];
}

interface Reply {
  t: number;
  seq: number;
  rtt: number;
}

const replies = (lines: string[]): Reply[] =>
  lines
    .map((l) => /^\[(\d+\.\d+)\].*icmp_seq=(\d+).*time=([\d.]+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ t: Number(m[1]) * 1000, seq: Number(m[2]), rtt: Number(m[3]) }));

/** The first reply to a ping sent at or after `from` (ms, epoch). */
const firstSentAfter = (rs: Reply[], from: number) => rs.find((r) => r.t - r.rtt >= from);

const addressOf = (ns: string, uplink: string) => /inet (\S+)\//.exec(inNs(ns, "ip", ["-o", "-4", "addr", "show", "dev", uplink]))?.[1];

export async function addressChangeScenario(topology: Topology, bundle: Bundle, gwHost: string): Promise<AddressChangeRun> {
  const slow = vmSlowdown();
  const internet = topology.internet;
  if (!internet) throw new Error(`${bundle.name}: the nat scenario needs the internet topology (a wireguard bundle)`);
  const gw = topology.hosts.get(gwHost)!;
  const far = bundle.ends.find((e) => e.host !== gwHost)!;
  const exit = topology.hosts.get(far.host)!;
  const target = far.address!.ip.text;
  const ispOf = (i: number): Isp => internet.isps.find((s) => s.host === gwHost && s.uplink.name === bundle.paths[i]!.uplinks.get(gwHost))!;
  const index = bundle.paths.findIndex((_, i) => ispOf(i).dhcp !== undefined && ispOf(i).uplink.nat);
  if (index < 0) throw new Error(`${bundle.name}: the nat scenario needs a path over a dhcp: true, nat: true uplink of ${gwHost}`);
  const isp = ispOf(index);
  const uplink = isp.uplink.name;
  const path = tunnelName(bundle.name, bundle.paths[index]!);
  const others = bundle.paths.filter((_, i) => i !== index).map((p) => p.uplinks.get(gwHost)!);

  const active = () => inNs(gw.ns, "cat", [`/sys/class/net/${bundle.name}/bonding/active_slave`]).trim();
  await waitFor(`${bundle.name} to pick an active path`, () => active() || undefined, 60000 * slow);
  for (const u of others) inNs(gw.ns, "ip", ["link", "set", u, "down"]);
  const carries = () => (active() === path && answersPing(gw.ns, target) ? true : undefined);
  const onPath = () => waitFor(`${bundle.name} to carry traffic over ${path} alone`, carries, 60000 * slow);
  await onPath();
  const server = startInNs(exit.ns, "iperf3", ["-s"], { stdio: "ignore" });
  const changes: AddressChange[] = [];
  try {
    await waitFor("iperf3 to listen", () => /:5201\s/.test(inNs(exit.ns, "ss", ["-ltn"])) || undefined, 60000 * slow);
    for (const kind of ["new-lease", "nat-outside"] as const) {
      await onPath();
      const ping = watch(gw.ns, `ping -D -n -i 0.02 -W 1 ${target}`);
      // Stamped as they come, on the guest's clock (the ping's): the uplink's addresses.
      const addresses = watch(gw.ns, `ip -o -4 monitor address dev ${uplink} | while IFS= read -r l; do printf '%s %s\\n' "\${EPOCHREALTIME/./}" "$l"; done`, "bash");
      const seconds = Math.round(20 * slow);
      const tcp = startInNs(gw.ns, "iperf3", ["-c", target, "-t", String(seconds), "-b", "2M"], { stdio: ["ignore", "pipe", "pipe"] });
      let tcpOutput = "";
      tcp.stdout!.on("data", (d: Buffer) => (tcpOutput += d.toString()));
      tcp.stderr!.on("data", (d: Buffer) => (tcpOutput += d.toString()));
      const tcpDone = new Promise<number>((resolve) => tcp.on("exit", (code) => resolve(code ?? -1)));
      await sleep(3000);
      const before = kind === "new-lease" ? (addressOf(gw.ns, uplink) ?? "none") : isp.outside;
      const changeAt = Date.now();
      const after = kind === "new-lease" ? changeLease(isp) : changeOutside(isp);
      // The reference: when the uplink held its new address (a lease), or the change itself (the NAT's).
      const newAddressAt = async (): Promise<{ at: number; address: string }> => {
        if (kind === "nat-outside") return { at: changeAt, address: after };
        const net = after.replace(/\.1$/, ".");
        return waitFor(`${gwHost}:${uplink} to lease an address in ${net}0/24`, () => {
          const line = addresses.lines.find((l) => !/Deleted/.test(l) && l.includes(` inet ${net}`));
          return line ? { at: Number(line.split(" ")[0]) / 1000, address: /inet (\S+)\//.exec(line)![1]! } : undefined;
        }, 60000 * slow);
      };
      const lease = await newAddressAt();
      // Given a keepalive and more: a miss is reported (recoverMs null), not thrown.
      const limitMs = (KEEPALIVE_SECONDS + 35) * 1000 * slow;
      const recovered = await waitFor(`pings across ${bundle.name} after the ${kind} change`, () => firstSentAfter(replies(ping.lines), lease.at), limitMs).catch(() => undefined);
      await sleep(3000);
      ping.child.kill("SIGINT");
      addresses.child.kill();
      const code = await tcpDone;
      const rs = replies(ping.lines).filter((r) => r.t >= changeAt - 1000);
      let stall = 0;
      for (let i = 1; i < rs.length; i++) stall = Math.max(stall, rs[i]!.t - rs[i - 1]!.t);
      const sent = rs.length ? rs[rs.length - 1]!.seq - rs[0]!.seq + 1 : 0;
      changes.push({
        kind, path, uplink: `${gwHost}:${uplink}`, before, after: lease.address,
        ...(kind === "new-lease" ? { leaseMs: Math.round(lease.at - changeAt) } : {}),
        recoverMs: recovered ? Math.round(recovered.t - lease.at) : null,
        stallMs: Math.round(stall), lost: sent - rs.length, sent, tcpSurvived: code === 0,
        ...(code === 0 ? {} : { tcpOutput: tcpOutput.split("\n").slice(-12).join("\n") }),
      });
    }
  } finally {
    server.kill();
    for (const u of others) inNs(gw.ns, "ip", ["link", "set", u, "up"]);
  }
  return { bundle: bundle.name, keepaliveSeconds: KEEPALIVE_SECONDS, changes };
}
