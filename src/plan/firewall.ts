// What netgen's nftables table must do for the bundles a planner creates.
// The planner that makes a tunnel declares it (builder: acceptGre, acceptUdp,
// clampMss); the builder gathers the FirewallPlan; render/firewall-view.ts prints it.
import type { HostBuilder } from "./builder.js";

/**
 * The MTU a LAN host assumes: the LAN is not in the inventory, and Ethernet's
 * 1500 is what its machines send with until told otherwise.
 */
export const LAN_MTU = 1500;

/**
 * A bundle narrower than the LAN or its uplinks (a tunnel's encapsulation)
 * drops or fragments full-size packets; Path MTU discovery needs ICMP
 * "fragmentation needed" to come back, which many sites filter: TCP then stalls
 * after the handshake (a PMTUD black hole). Clamping the MSS of the SYN and
 * SYN-ACK forwarded into the bundle to its route MTU makes both ends send
 * segments that fit. Each end clamps what it sends into the bundle: the SYN
 * one way, the SYN-ACK the other.
 */
export function clampNarrowBundle(b: HostBuilder, device: string, mtu: number, uplinkMtus: number[]): void {
  const widest = Math.max(LAN_MTU, ...uplinkMtus);
  if (mtu >= widest) return;
  b.clampMss(device, mtu, `${device} carries ${mtu}-byte packets, its LAN and uplinks up to ${widest}: TCP MSS of forwarded SYNs clamped to the route MTU`);
}
