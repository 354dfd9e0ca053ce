// Synthetic inventories for benchmarks: N hosts, of which 10 are exit nodes on
// one public address each; every other host is a gateway with 2-4 uplinks and
// one bundle (failover, balance-rr or teql-free failover with shaping) to exit
// i mod 10.

export const EXITS = 10;

export function syntheticInventory(hosts: number): string {
  const lines = ["netgen: 1", "defaults: { systemd: 252 }", "hosts:"];
  const bundles = ["bundles:"];
  for (let e = 0; e < EXITS; e++) {
    lines.push(`  exit${e}:`, "    uplinks:", `      wan0: { address: 203.0.113.${e + 10}/24, gateway: 203.0.113.1 }`);
  }
  for (let g = 0; g < hosts - EXITS; g++) {
    const count = 2 + (g % 3);
    lines.push(`  gw${g}:`, "    uplinks:");
    for (let u = 0; u < count; u++) {
      const base = (g * 4 + u) * 4; // one /30 per uplink in 10.0.0.0/8
      const [a, b, c] = [(base >> 16) & 255, (base >> 8) & 255, base & 255];
      const shape = g % 3 === 2 && u === 0 ? ", shape: { egress: 20mbit, ingress: 50mbit }" : "";
      lines.push(`      up${u}: { address: 10.${a}.${b}.${c + 1}/30, gateway: 10.${a}.${b}.${c + 2}${shape} }`);
    }
    const exit = `exit${g % EXITS}`;
    const net = g * 4; // one /30 per bundle in 172.16.0.0/12
    const [x, y] = [(net >> 8) & 255, net & 255];
    const strategy = g % 4 === 3 ? "balance-rr" : "failover";
    bundles.push(`  b${g}:`, `    strategy: ${strategy}`, "    ends:");
    bundles.push(`      gw${g}: { address: 172.${16 + (net >> 16)}.${x}.${y + 1}/30, default_route: true }`);
    bundles.push(`      ${exit}: { address: 172.${16 + (net >> 16)}.${x}.${y + 2}/30 }`);
    bundles.push("    paths:");
    for (let u = 0; u < count; u++) bundles.push(`      - { gw${g}: up${u}, ${exit}: wan0 }`);
  }
  return `${lines.join("\n")}\n${bundles.join("\n")}\n`;
}

/** A few hosts changed (the first shaped uplinks' egress rate): the re-render a review usually follows. */
export function editSomeHosts(text: string, count = 3): { text: string; hosts: number } {
  let hosts = 0;
  const edited = text.replace(/egress: 20mbit/g, (match) => (hosts < count ? (hosts++, "egress: 25mbit") : match));
  return { text: edited, hosts };
}

/** One gateway of the synthetic inventory, as netplan YAML (3 uplinks, 3 gretaps, a bond). */
export function netplanEquivalent(): string {
  return `network:
  version: 2
  renderer: networkd
  ethernets:
    up0: { addresses: [10.0.0.1/30], routes: [{ to: default, via: 10.0.0.2, metric: 1024 }] }
    up1: { addresses: [10.0.0.5/30], routes: [{ to: default, via: 10.0.0.6, metric: 1025 }] }
    up2: { addresses: [10.0.0.9/30], routes: [{ to: default, via: 10.0.0.10, metric: 1026 }] }
  tunnels:
    b0-t1: { mode: gretap, local: 10.0.0.1, remote: 203.0.113.10, mtu: 1462 }
    b0-t2: { mode: gretap, local: 10.0.0.5, remote: 203.0.113.10, mtu: 1462 }
    b0-t3: { mode: gretap, local: 10.0.0.9, remote: 203.0.113.10, mtu: 1462 }
  bonds:
    b0:
      interfaces: [b0-t1, b0-t2, b0-t3]
      addresses: [172.16.0.1/30]
      mtu: 1462
      routes: [{ to: default, via: 172.16.0.2, metric: 100 }]
      parameters: { mode: active-backup, arp-interval: 100, arp-ip-targets: [172.16.0.2], arp-validate: all, primary: b0-t1 }
`;
}
