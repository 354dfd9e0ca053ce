// The starting inventories `netgen init` writes: the two common shapes, with
// comments that say what to change. Addresses come from the documentation
// ranges (RFC 5737) and private space, so nothing written here points at
// someone else's network; each must validate and render as written
// (test/init.test.ts runs both through the CLI).

export const SHAPES = ["branch", "two-sites"] as const;
export type Shape = (typeof SHAPES)[number];

export const MIN_UPLINKS = 2;
export const MAX_UPLINKS = 8;

export function startingInventory(shape: Shape, uplinks: number): string {
  return shape === "branch" ? branch(uplinks) : twoSites(uplinks);
}

/** A branch gateway with N internet uplinks, tunnelled to one exit in a datacenter: failover. */
function branch(n: number): string {
  const wans = range(n).map((k) => {
    // One /29 per provider: 198.51.100.8k+2, gateway .8k+1.
    const base = 8 * (k - 1);
    return `      wan${k}: { address: 198.51.100.${base + 2}/29, gateway: 198.51.100.${base + 1},${k === 1 ? "   # the preferred provider" : ""}\n              shape: { egress: 18mbit, ingress: 90mbit } }`;
  });
  const paths = range(n).map((k) => `      - { branch-gw: wan${k}, dc-exit: pub0${k === 1 ? ", primary: true" : ""} }`);
  return `# netgen inventory: a branch office with ${n} internet uplinks, tunnelled to a
# datacenter exit. Written by \`netgen init --shape branch --uplinks ${n}\`.
#
# branch-gw keeps one GRE tunnel (gretap) over each uplink to dc-exit and bonds
# them in active-backup: traffic takes wan1 while it works and moves to the
# next path within a few ARP probes when it fails. dc-exit puts the branch's
# traffic on the internet with its own address (masquerade) and routes the
# branch LAN back through the bundle.
#
# Change the documentation addresses (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24) to yours, pin each host's SSH key, then:
#   netgen validate THIS_FILE && netgen graph THIS_FILE -o topology.svg
#   netgen render THIS_FILE       # review generated/ in git, then netgen push
netgen: 1

defaults:
  systemd: 252                # the oldest systemd-networkd your hosts run (Debian 12: 252)
  ssh: { user: root, port: 22 }

hosts:
  branch-gw:
    ssh:
      host: 198.51.100.2      # the address or DNS name netgen connects to
      # host_key: "ssh-ed25519 AAAA..."   # pin it: ssh-keyscan -t ed25519 198.51.100.2
    uplinks:
      # Interfaces that exist already, matched by name. Each keeps a default
      # route of its own (metrics in this order): a tunnel bound to an uplink
      # reaches dc-exit through that uplink's gateway.
      # shape: about 90% of what the line really delivers each way (here a
      # 20/100 Mbit/s line). A full line then queues on branch-gw, where the
      # bond's ARP probes pass the data, not at the provider, where they wait
      # and the bond leaves a healthy path. Set it to your lines' rates.
${wans.join("\n")}
      lan0: { address: 192.168.10.1/24 }   # the office network, routed through the bundle
  dc-exit:
    ssh:
      host: 203.0.113.10
      # host_key: "ssh-ed25519 AAAA..."
    uplinks:
      # masquerade: traffic arriving from the bundle leaves here with pub0's address.
      pub0: { address: 203.0.113.10/24, gateway: 203.0.113.1, masquerade: true }

bundles:
  branch-dc:                  # also the name of the bond on branch-gw and the bridge on dc-exit
    strategy: failover
    ends:
      # Addresses inside the bundle (one subnet for both ends). default_route
      # marks the end that fails over: the branch sends everything through it.
      branch-gw: { address: 10.99.0.1/30, default_route: true }
      dc-exit:   { address: 10.99.0.2/30, routes: [192.168.10.0/24] }   # the way back to the LAN
    paths:
      # One tunnel per path; netgen derives both ends' addresses, GRE keys and
      # the MTU (1462 over a 1500-byte underlay).
${paths.join("\n")}
    monitor: { interval: 100ms }   # ARP probe interval to dc-exit's bundle address
`;
}

/** Two sites joined by N direct links (fibre pairs, L2 circuits): ECMP, one flow per link. */
function twoSites(n: number): string {
  const links = (site: 1 | 2) =>
    range(n).map((k) => `      link${k}: { address: 10.255.${k - 1}.${site}/30 }${k === 1 && site === 1 ? "   # one /30 per link, the same on both sides" : ""}`);
  const paths = range(n).map((k) => `      - { site-a: link${k}, site-b: link${k}, weight: 1 }`);
  return `# netgen inventory: two sites joined by ${n} direct links, used together with
# ECMP. Written by \`netgen init --shape two-sites --uplinks ${n}\`.
#
# No tunnel: each site gets a multipath route to the other site's network,
# one next hop per link (the far side's address on that link). The kernel
# hashes each flow (addresses and ports) onto one link, so different flows
# share the links and one flow never gets reordered; a link without carrier
# drops out of the route. For per-packet round robin use strategy: teql.
#
# Change the documentation addresses (192.0.2.0/24) and the networks to
# yours, pin each host's SSH key, then:
#   netgen validate THIS_FILE && netgen graph THIS_FILE -o topology.svg
#   netgen render THIS_FILE       # review generated/ in git, then netgen push
netgen: 1

defaults:
  systemd: 252                # the oldest systemd-networkd your hosts run (Debian 12: 252)
  ssh: { user: root, port: 22 }

hosts:
  site-a:
    ssh:
      host: 192.0.2.11        # the address or DNS name netgen connects to
      # host_key: "ssh-ed25519 AAAA..."   # pin it: ssh-keyscan -t ed25519 192.0.2.11
    uplinks:
${links(1).join("\n")}
      lan0: { address: 10.1.0.1/24 }   # site A's network
  site-b:
    ssh:
      host: 192.0.2.12
      # host_key: "ssh-ed25519 AAAA..."
    uplinks:
${links(2).join("\n")}
      lan0: { address: 10.2.0.1/24 }   # site B's network

bundles:
  a-b:
    strategy: ecmp
    ends:
      site-a: { routes: [10.2.0.0/24] }   # reached over every link
      site-b: { routes: [10.1.0.0/24] }
    paths:
      # weight: a link's share of the flows (e.g. 2 on a link twice as fast).
${paths.join("\n")}
`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
