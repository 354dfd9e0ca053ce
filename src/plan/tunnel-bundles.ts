// failover, balance-rr and redundant: one gretap per path, joined into a bond.
//
// failover: an active-backup bond with ARP monitoring on the end that fails over
// (the one with default_route) and a bridge on the other end. The first write-up
// put a bond on both ends: each end then picks its active tunnel on its own and
// they ping-pong. A bridge accepts frames on whichever tunnel they arrive,
// answers on the tunnel it learnt the bond's MAC on, and floods the bond's ARP
// probes back over the other tunnels, which is what keeps the backup tunnels
// up on the bond's side.
//
// arp_validate=all. With all, a backup counts only a flooded probe that
// arrives after the active tunnel's first reply in a later jiffy than it became
// active (bond_arp_rcv), so after a failover the other backups go unvalidated
// for two probe rounds (the three-path lab, docs/lab.md). arp_validate=active
// closes that gap, and was tried: it made a path that fails one way only (the
// far end still sends on it) flap with the bond losing its carrier over and
// over, in push-wireguard.test's cut of one direction (CI, 2026-11-22), where
// all had settled on the other path. Kept at all until that case is solved.
//
// redundant: a bond in broadcast mode on both ends, so every frame leaves by
// every tunnel in both directions. Not a bridge on the far end as for failover:
// a bridge sends unicast out of the one port it learnt the MAC on, so the
// return direction would use one path. Not an active-backup bond on both ends
// either: broadcast has no active slave, so the ends cannot ping-pong. And no
// ARP monitor: a dead path costs nothing (the copies on the other paths
// arrive), a slave taken out would only be one fewer copy, and a gretap keeps
// its carrier anyway. The receiving bond passes every copy up: Linux has no
// de-duplication (docs/design.md says what duplicates mean for TCP and UDP).
//
// MII monitoring is never used: a gretap has carrier whether or not its far end
// answers, so only ARP probes through the tunnel see a dead path.
import { blankNetwork, type HostBuilder } from "./builder.js";
import { runsBond } from "./devices.js";
import { intervalMs } from "../inventory/duration.js";
import { macAddress } from "./names.js";
import { clampNarrowBundle } from "./firewall.js";
import { forwardForDefaultRoute } from "./forwarding.js";
import { routesVia } from "./routes.js";
import { planRoundRobinPace } from "./pace.js";
import { arpMissedMax, oneSegmentPerPacket } from "./tc.js";
import type { TunnelBundle } from "./tunnels.js";
import { KERNEL_MISSED_MAX } from "../inventory/types.js";

/** The first systemd-networkd that writes [Bond] ARPMissedMax= (render/directives.ts checks files against it). */
export const ARP_MISSED_MAX_SINCE = 256;

/** The kernel's bonding mode per tunnelled strategy, as networkd's [Bond] Mode= names it. */
const BOND_MODE = { failover: "active-backup", "balance-rr": "balance-rr", redundant: "broadcast" } as const;

export function planTunnelBundle(b: HostBuilder, tb: TunnelBundle): void {
  const { bundle, tunnels, mtu } = tb;
  const host = b.host;
  const endIndex = bundle.ends.findIndex((e) => e.host === host);
  const end = bundle.ends[endIndex]!;
  const peer = bundle.ends[1 - endIndex]!;
  const isBond = runsBond(bundle, endIndex);
  const family = tunnels[0]?.family ?? 4;

  b.module(family === 4 ? "ip_gre" : "ip6_gre");
  if (isBond) {
    b.module("bonding", { options: "max_bonds=0", why: "no stray bond0: networkd creates the bonds netgen names" });
    const missed = bundle.strategy === "redundant" ? undefined : bundle.monitorMissed;
    // monitor.missed: networkd writes ARPMissedMax= from 256 on; before, a unit sets it on the live bond (the kernel takes it at any time).
    const missedInNetdev = missed !== undefined && b.systemd >= ARP_MISSED_MAX_SINCE;
    b.addNetdev({
      name: bundle.name,
      kind: "bond",
      description: `${bundle.strategy} bundle ${bundle.name} to ${peer.host}`,
      mac: macAddress(host, bundle.name),
      mtu,
      bond: {
        mode: BOND_MODE[bundle.strategy as keyof typeof BOND_MODE],
        arp: bundle.strategy === "redundant" ? undefined : { intervalMs: intervalMs(bundle.monitorInterval), targets: [peer.address!.ip.text], ...(missedInNetdev ? { missedMax: missed } : {}) },
        arpValidate: bundle.strategy === "failover" ? "all" : undefined,
        // One target: a tunnel is up when it answers (the kernel's default, written out).
        arpAllTargets: bundle.strategy === "failover" ? "any" : undefined,
        primaryReselect: bundle.strategy === "failover" ? "always" : undefined,
      },
    });
    if (missed !== undefined && !missedInNetdev) {
      b.addBondSettings({
        device: bundle.name,
        members: [],
        description: `netgen: ARP monitor of bond ${bundle.name}: a path is out after ${missed} missed interval${missed === 1 ? "" : "s"}`,
        notes: [`systemd ${b.systemd} has no ARPMissedMax= (${ARP_MISSED_MAX_SINCE} has): set on the bond once networkd has made it; stopped, the kernel's ${KERNEL_MISSED_MAX} again.`],
        ...arpMissedMax(bundle.name, missed, KERNEL_MISSED_MAX),
      });
    }
  } else {
    b.module("bridge");
    // No STP: the tunnels all end in the far end's bond, not a loop to break, and
    // STP would hold a tunnel that comes back in listening/learning for the forward delay.
    const description = `far end of failover bundle ${bundle.name} from ${peer.host}: accepts traffic on any tunnel`;
    b.addNetdev({ name: bundle.name, kind: "bridge", description, mac: macAddress(host, bundle.name), mtu, bridge: { stp: false } });
  }

  if (isBond && bundle.strategy === "balance-rr") {
    // balance-rr picks the next slave per packet the bond is handed, and a GSO
    // packet carries several segments of one TCP flow (up to 64 KB: sent by the host
    // itself, or GRO'd on the way in): they all take one path, the next burst the
    // other, and the receiver sees reordering deep enough that the sender takes it
    // for loss (spurious retransmissions, RTOs). teql is not affected the same way.
    // Measured in the lab (docs/lab.md, two 5 Mbit/s paths, one TCP flow): 1.18x and
    // 1.58x one path over gre, 1.28x and 1.35x over WireGuard as the bond was; 1.85x
    // and 1.75x with this unit (retransmitted segments 20-71% -> 7% over gre, 9-13% ->
    // 8% over WireGuard), the VM's CPU no busier for it.
    const members = tunnels.map((t) => t.name);
    b.addSegmenter({
      device: bundle.name,
      members,
      description: `netgen: one TCP segment per packet into balance-rr bond ${bundle.name}`,
      notes: ["balance-rr sends each packet by the next path: a GSO packet of many segments would take one path whole (reordering that TCP reads as loss)."],
      start: oneSegmentPerPacket(bundle.name, members),
    });
    planRoundRobinPace(b, tb);
  }

  const aggregate = b.own(blankNetwork(bundle.name, `${bundle.strategy} bundle ${bundle.name} (${isBond ? "bond" : "bridge"})`, true));
  aggregate.addresses.push(...end.addresses.map((a) => a.text));
  if (end.addresses.some((a) => a.cidr?.ip.family === 6)) {
    // IPv6 neighbour discovery needs the bundle's link-local address.
    aggregate.linkLocalAddressing = undefined;
    aggregate.ipv6AcceptRA = undefined;
  }
  // The bond must hold its address while every tunnel is down: its ARP probes
  // need a source address to bring the first tunnel back up.
  aggregate.configureWithoutCarrier = true;
  aggregate.ignoreCarrierLoss = true;
  forwardForDefaultRoute(b, end, bundle.name); // and on a NAT host: nat.ts
  aggregate.routes.push(...routesVia(end, peer, bundle.name));
  clampNarrowBundle(b, bundle.name, mtu, tunnels.map((t) => (t.ends[0].host === host ? t.ends[0] : t.ends[1]).uplink.mtu));

  for (const t of tunnels) {
    const mine = t.ends[0].host === host ? t.ends[0] : t.ends[1];
    const over = mine.underlay === mine.uplink.name ? mine.uplink.name : `${mine.uplink.name} (WireGuard link ${mine.underlay})`;
    b.addNetdev({
      name: t.name,
      kind: family === 4 ? "gretap" : "ip6gretap",
      description: `path ${t.label} of ${bundle.name}: ${over} to ${peer.host}`,
      mac: macAddress(host, t.name),
      mtu,
      // Over IPv6 the kernel adds a tunnel encapsulation limit option (RFC 2473)
      // by default: 8 more bytes per packet (an MTU of 1434, not mtu.ts's 1442,
      // measured in test/ip6gre-mtu.test.ts), and a destination-options header
      // that many IPv6 paths drop (RFC 7872). Left out: nested tunnels are not
      // what netgen builds.
      tunnel: { local: mine.local, remote: mine.remote, key: t.key, ...(family === 6 ? { encapsulationLimit: "none" as const } : {}) },
    });
    const slave = b.own(blankNetwork(t.name, `path ${t.label} of ${bundle.name}`, true));
    if (isBond) slave.bond = bundle.name;
    else slave.bridge = bundle.name;
    slave.primarySlave = isBond && t.primary;
    // Bound to its uplink: the outer packets leave by this path's uplink even
    // when every tunnel goes to the same far address.
    b.contribute(mine.underlay, { from: `bundle ${bundle.name}`, tunnels: [t.name] });
    // The far end's outer address is the only source this tunnel accepts GRE from (firewall.ts).
    b.acceptGre(t.name, mine.local, mine.remote);
    // Over wireguard, wireguard-ends.ts sets it on the uplink, and the gretap's far end is on its link's own subnet.
    if (mine.underlay === mine.uplink.name) b.sysctl(`net/ipv4/conf/${mine.uplink.name}/rp_filter`, "2", `tunnel packets of ${bundle.name} arrive on ${mine.uplink.name} while the far end is routed through the bundle: loose reverse-path filter`);
  }
}
