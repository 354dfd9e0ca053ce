// Random valid inventories from a seed: hosts, uplinks, addresses, bundles of
// every strategy (with hubs, GRE-key twins and IPv6 underlays), the wireguard
// transport (with DHCP and NATed dialing ends, 1:1 NAT listeners), dual-stack
// ends, shaping, loopbacks, NAT, systemd versions. Same seed, same inventory.
import { createHash } from "node:crypto";
import type { Inventory } from "../../src/inventory/types.js";

/** A well-formed WireGuard public key per host (render needs one for every wireguard end). */
export function fakeKeys(inventory: Inventory): void {
  for (const h of inventory.hosts) inventory.publicKeys.set(h.name, createHash("sha256").update(`netgen-test-key/${h.name}`).digest("base64"));
}

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRATEGIES = ["failover", "balance-rr", "ecmp", "teql"] as const;
const RATES = ["64kbit", "512kbit", "5mbit", "20mbit", "1gbit"];
const VERSIONS = [249, 252, 252, 255, 257];

export function randomInventory(seed: number): string {
  const rnd = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const chance = (p: number) => rnd() < p;
  const word = (alphabet: string, min: number, max: number) => {
    const length = min + Math.floor(rnd() * (max - min + 1));
    return Array.from({ length }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("");
  };
  let subnet = 0;
  const v4net = () => {
    const n = subnet++;
    return [10, (n >> 8) & 255, n & 255];
  };
  let v6 = 0;
  const names = new Set<string>();
  const unique = (make: () => string) => {
    for (;;) {
      const n = make();
      if (!names.has(n)) return names.add(n), n;
    }
  };
  const hosts = Array.from({ length: 2 + Math.floor(rnd() * 5) }, () => ({
    name: unique(() => `${pick([..."abcdefghijklmnopqrstuvwxyz0123456789"])}${word("abcdefghijklmnopqrstuvwxyz0123456789-", 0, 20)}`.replace(/-$/, "x")),
    systemd: pick(VERSIONS),
    uplinks: [] as string[],
    loopbacks: [] as string[],
    hasDeviceBundle: false,
    defaultRoute: false,
  }));
  const uplink = (host: (typeof hosts)[number], body: string, wide = false) => {
    const name = unique(() => `u${word("abcdefghijklmnopqrstuvwxyz0123456789_", 1, 6)}`);
    const shape = chance(0.3) ? `, shape: { ${chance(0.7) ? `egress: ${pick(RATES)}, ` : ""}ingress: ${pick(RATES)} }` : "";
    // wide: a bundle carrying IPv6 needs 1280 bytes after encapsulation.
    const mtu = chance(0.2) ? `, mtu: ${pick(wide ? [1492, 1500, 9000] : [1280, 1492, 1500, 9000])}` : "";
    host.uplinks.push(`      ${name}: { ${body}${shape}${mtu} }`);
    return name;
  };
  const bundles: string[] = [];
  const bundleCount = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < bundleCount; k++) {
    const a = pick(hosts);
    const b = pick(hosts.filter((h) => h !== a));
    const strategy = pick(STRATEGIES);
    const name = unique(() => `b${word("abcdefghijklmnopqrstuvwxyz0123456789-", 0, 8).replace(/-$/, "")}`);
    const paths = 2 + Math.floor(rnd() * 3);
    const wireguard = chance(0.3);
    const lines = [`  ${name}:`, `    strategy: ${strategy}`];
    // Its own link subnet and ports: two bundles never listen on one port of a host.
    if (wireguard) lines.push("    transport: wireguard", `    link_subnet: ${v4net().join(".")}.0/24`, `    port: ${20000 + 16 * k}`);
    lines.push("    ends:");
    const pathLines: string[] = [];
    if (strategy === "failover" || strategy === "balance-rr") {
      const ipv6 = chance(0.15);
      // Dual stack: one IPv4 and one IPv6 address per end, IPv6 routes through the IPv6 one.
      const dual = chance(0.25) ? ++v6 : undefined;
      const wide = dual !== undefined;
      const hub = chance(0.4) ? uplink(b, ipv6 ? `address: "2001:db8:${++v6}::1/64"` : `address: ${v4net().join(".")}.1/24${wireguard && chance(0.5) ? `, public: 203.0.113.${1 + (subnet % 250)}` : ""}`, wide) : undefined;
      for (let p = 0; p < paths; p++) {
        const [x, y, z] = v4net();
        // Over wireguard the dialing end may take its address from DHCP behind NAT (an LTE modem).
        const dialer = wireguard && chance(0.4) ? `dhcp: true${chance(0.5) ? ", nat: true" : ""}` : undefined;
        const ua = uplink(a, dialer ?? (ipv6 ? `address: "2001:db8:${++v6}::2/64", gateway: "2001:db8:${v6}::1"` : `address: ${x}.${y}.${z}.2/24, gateway: ${x}.${y}.${z}.1`), wide);
        const ub = hub ?? uplink(b, ipv6 ? `address: "2001:db8:${++v6}::3/64"` : `address: ${x}.${y}.${z}.3/24`, wide);
        // Some paths named (their devices are <bundle>-<name>), the rest named by their uplinks.
        const room = Math.min(6, 14 - name.length);
        const pathName = chance(0.4) ? unique(() => `p${word("abcdefghijklmnopqrstuvwxyz0123456789", 0, room - 1)}`) : undefined;
        pathLines.push(`      - { ${pathName ? `name: ${pathName}, ` : ""}${a.name}: ${ua}, ${b.name}: ${ub}${p === 0 && strategy === "failover" && chance(0.7) ? ", primary: true" : ""} }`);
      }
      const [x, y, z] = v4net();
      const defaultRoute = !a.defaultRoute && chance(0.5);
      a.defaultRoute ||= defaultRoute;
      const at = (k: number) => (dual === undefined ? `${x}.${y}.${z}.${k}/24` : `[${x}.${y}.${z}.${k}/24, "fd00:${dual}::${k}/64"]`);
      const routes = [...(chance(0.5) ? [`${v4net().join(".")}.0/24`] : []), ...(dual !== undefined && chance(0.5) ? [`"2001:db8:ffff:${dual}::/64"`] : [])];
      lines.push(`      ${a.name}: { address: ${at(1)}${defaultRoute ? ", default_route: true" : ""}${routes.length ? `, routes: [${routes.join(", ")}]` : ""} }`, `      ${b.name}: { address: ${at(2)} }`);
      a.hasDeviceBundle = b.hasDeviceBundle = true;
    } else {
      for (let p = 0; p < paths; p++) {
        const [x, y, z] = v4net();
        const ua = uplink(a, `address: ${x}.${y}.${z}.1/30`);
        const ub = uplink(b, `address: ${x}.${y}.${z}.2/30`);
        pathLines.push(`      - { ${a.name}: ${ua}, ${b.name}: ${ub}${strategy === "ecmp" && chance(0.5) ? `, weight: ${1 + Math.floor(rnd() * 256)}` : ""} }`);
      }
      const routes = () => `routes: [${v4net().join(".")}.0/24${chance(0.3) ? `, ${v4net().join(".")}.128/25` : ""}]`;
      if (strategy === "teql") {
        const [x, y, z] = v4net();
        lines.push(`      ${a.name}: { address: ${x}.${y}.${z}.1/30, ${routes()} }`, `      ${b.name}: { address: ${x}.${y}.${z}.2/30 }`);
        a.hasDeviceBundle = b.hasDeviceBundle = true;
      } else {
        lines.push(`      ${a.name}: { ${routes()} }`, `      ${b.name}: { ${routes()} }`);
      }
    }
    lines.push("    paths:", ...pathLines);
    if ((strategy === "failover" || strategy === "balance-rr") && chance(0.5)) lines.push(`    monitor: { interval: ${pick(["10ms", "100ms", "250ms", "2s"])} }`);
    bundles.push(...lines);
  }
  const hostLines = hosts.flatMap((h) => {
    const extra: string[] = [];
    if (chance(0.3)) extra.push(`      ${unique(() => `n${word("abcdefghij", 1, 5)}`)}: { dhcp: true${h.hasDeviceBundle && chance(0.6) ? ", masquerade: true" : ""} }`);
    const los = chance(0.4) ? [`    loopbacks:`, `      ${unique(() => `dm${word("0123456789", 1, 4)}`)}: ${v4net().join(".")}.9/32`] : [];
    return [`  ${h.name}:`, `    systemd: ${h.systemd}`, "    uplinks:", ...h.uplinks, ...extra, ...(h.uplinks.length + extra.length === 0 ? [`      ${unique(() => `s${word("abc", 2, 4)}`)}: { dhcp: true }`] : []), ...los];
  });
  return ["netgen: 1", "hosts:", ...hostLines, ...(bundles.length ? ["bundles:", ...bundles] : [])].join("\n") + "\n";
}
