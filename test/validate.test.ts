// Bad inventories, one edit each from a valid base: every case asserts the
// message and the line it is reported at.
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InventoryError, type LocatedProblem } from "../src/errors.js";
import { inventorySchema } from "../src/inventory/schema.js";
import { validateText } from "../src/pipeline/pipeline.js";
import { AJV_OPTIONS, VALIDATOR_FILE, validatorSource } from "../src/validate/schema-code.js";
import { BASE, LAB, WIREGUARD } from "./support/bases.js";

interface Case {
  name: string;
  base?: string;
  edit?: [string, string];
  text?: string;
  file?: string;
  line: number;
  expect: RegExp;
  /** Warnings count as problems (--strict). */
  strict?: boolean;
}

function apply(base: string, [from, to]: [string, string]): string {
  const at = base.indexOf(from);
  if (at < 0 || base.indexOf(from, at + 1) >= 0) throw new Error(`edit must match exactly once: ${from}`);
  return base.slice(0, at) + to + base.slice(at + from.length);
}

const ECMP = LAB.replace("lo0: 10.10.10.10/32", "lo0: 10.1.0.2/32")
  .replace("strategy: teql", "strategy: ecmp")
  .replace("a: { address: 10.2.0.1/30, routes: [10.100.0.0/24] }", "a: { routes: [10.100.0.0/24] }")
  .replace("b: { address: 10.2.0.2/30 }", "b: { routes: [10.10.10.10/32] }");
/** BASE as a redundant bundle: no primary. */
const REDUNDANT = BASE.replace("strategy: failover", "strategy: redundant").replace(", primary: true", "");
const UP2 = "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1 }";
const EXIT_UP2 = "up2: { address: 10.0.2.3/24 }";
/** BASE with `n` paths (and uplinks u0.. on both hosts). */
const withPaths = (n: number) =>
  `netgen: 1\nhosts:\n${["gw", "exit"].map((h, k) => `  ${h}:\n    uplinks:\n${Array.from({ length: n }, (_, i) => `      u${i}: { address: 10.0.${i}.${k + 2}/24 }`).join("\n")}\n`).join("")}` +
  `bundles:\n  b1:\n    strategy: balance-rr\n    ends:\n      gw: { address: 10.42.0.1/24 }\n      exit: { address: 10.42.0.2/24 }\n    paths:\n${Array.from({ length: n }, (_, i) => `      - { gw: u${i}, exit: u${i} }`).join("\n")}\n`;
const AMPLIFIED = `netgen: 1\nx-a: &a\n${Array.from({ length: 200 }, (_, i) => `  e${i}: { dhcp: true }`).join("\n")}\nx-b: &b [${Array(100).fill("*a").join(", ")}]\nx-c: [${Array(20).fill("*b").join(", ")}]\nhosts: {}\n`;
/** One 64-uplink host aliased 99 times: 8 KB that rendered 12,900 files before. */
const ALIASED_HOSTS = `netgen: 1\nhosts:\n  h0: &h\n    uplinks:\n${Array.from({ length: 64 }, (_, i) => `      e${i}: { address: 10.${i}.0.2/24, gateway: 10.${i}.0.1, shape: { egress: 5mbit } }`).join("\n")}\n${Array.from({ length: 99 }, (_, i) => `  h${i + 1}: *h`).join("\n")}\n`;

const CASES: Case[] = [
  { name: "format version", edit: ["netgen: 1", "netgen: 2"], line: 1, expect: /netgen: 2 is not an inventory format.*netgen: 1/ },
  { name: "misspelt key", edit: ["gateway: 10.0.1.1 }", "gatway: 10.0.1.1 }"], line: 5, expect: /unknown key 'gatway'.*did you mean 'gateway'/ },
  { name: "wrong type", edit: ["primary: true", 'primary: "yes"'], line: 19, expect: /primary must be a boolean, not string 'yes'/ },
  { name: "group named like a host", edit: ["  exit:\n    uplinks:", "  exit:\n    groups: [exits, gw]\n    uplinks:"], line: 8, expect: /group 'gw' of exit has the name of a host.*rename the group/ },
  { name: "bad group name", edit: ["  exit:\n    uplinks:", "  exit:\n    groups: [Exits]\n    uplinks:"], line: 8, expect: /'Exits' is not a valid group name/ },
  { name: "group listed twice", edit: ["  exit:\n    uplinks:", "  exit:\n    groups: [exits, dc, exits]\n    uplinks:"], line: 8, expect: /hosts.exit.groups lists 'exits' twice/ },
  { name: "groups not a list", edit: ["  exit:\n    uplinks:", "  exit:\n    groups: exits\n    uplinks:"], line: 8, expect: /hosts.exit.groups must be a list, not string 'exits'/ },
  // A key merged in (`<<: *alias`) is reported where it is written, not at the map it lands in.
  { name: "bad address merged in", edit: ["netgen: 1\nhosts:\n  gw:\n    uplinks:\n      up1: { address: 10.0.1.2/24,", "netgen: 1\nx-up: &up { address: 10.0.1.300/24 }\nhosts:\n  gw:\n    uplinks:\n      up1: { <<: *up,"], line: 2, expect: /'10.0.1.300\/24' is not an address with prefix length/ },
  { name: "bad host name", edit: ["  exit:\n    uplinks:", "  Exit:\n    uplinks:"], line: 7, expect: /'Exit' is not a valid host name/ },
  { name: "address not an address", edit: ["10.0.1.2/24", "10.0.1.300/24"], line: 5, expect: /'10.0.1.300\/24' is not an address with prefix length/ },
  { name: "gateway outside the subnet", edit: ["gateway: 10.0.1.1", "gateway: 10.0.9.1"], line: 5, expect: /gateway 10.0.9.1 is not in up1's subnet 10.0.1.0\/24/ },
  { name: "gateway with dhcp", edit: ["inet0: { dhcp: true, masquerade: true }", "inet0: { dhcp: true, gateway: 10.9.9.1 }"], line: 11, expect: /takes its gateway from DHCP/ },
  { name: "address and dhcp", edit: ["up1: { address: 10.0.1.3/24 }", "up1: { address: 10.0.1.3/24, dhcp: true }"], line: 9, expect: /both an address and dhcp: true/ },
  { name: "neither address nor dhcp", edit: ["up2: { address: 10.0.2.3/24 }", "up2: { mtu: 1500 }"], line: 10, expect: /neither an address nor dhcp/ },
  { name: "network address", edit: ["10.0.1.2/24", "10.0.1.0/24"], line: 5, expect: /network address of its subnet/ },
  { name: "broadcast address", edit: ["up2: { address: 10.0.2.3/24 }", "up2: { address: 10.0.2.255/24 }"], line: 10, expect: /broadcast address/ },
  { name: "overlapping uplinks", edit: ["up2: { address: 10.0.2.2/24, gateway: 10.0.2.1 }", "up2: { address: 10.0.1.9/24, gateway: 10.0.1.1 }"], line: 6, expect: /subnet 10.0.1.0\/24 overlaps up1's/ },
  { name: "unknown strategy", edit: ["strategy: failover", "strategy: failsafe"], line: 14, expect: /'failsafe' is not a strategy.*failover, balance-rr, redundant, ecmp, teql/ },
  { name: "end is not a host", edit: ["      exit: { address: 10.42.0.2/24 }", "      exti: { address: 10.42.0.2/24 }"], line: 17, expect: /ends on 'exti', which is not a host.*did you mean 'exit'/ },
  { name: "path names a missing uplink", edit: ["- { gw: up2, exit: up2 }", "- { gw: up3, exit: up2 }"], line: 20, expect: /host gw has no uplink 'up3'.*use one of gw's uplinks \(up1, up2\)/ },
  { name: "path misses an end", edit: ["- { gw: up2, exit: up2 }", "- { gw: up2 }"], line: 20, expect: /path 2 of b1 has no uplink for exit/ },
  { name: "path names a third host", edit: ["- { gw: up2, exit: up2 }", "- { gw: up2, exit: up2, other: up1 }"], line: 20, expect: /names 'other', which is not an end of the bundle/ },
  { name: "two paths over one pair", edit: ["- { gw: up2, exit: up2 }", "- { gw: up1, exit: up1 }"], line: 20, expect: /paths 1 and 2 of b1 both join up1 <-> up1/ },
  { name: "gretap over a DHCP uplink", edit: ["- { gw: up2, exit: up2 }", "- { gw: up2, exit: inet0 }"], line: 20, expect: /inet0 of exit takes its address from DHCP, so it cannot carry a gretap tunnel.*give inet0 a fixed address/ },
  { name: "ends in two subnets", edit: ["exit: { address: 10.42.0.2/24 }", "exit: { address: 10.43.0.2/24 }"], line: 17, expect: /are not in one subnet/ },
  { name: "ends with one address", edit: ["exit: { address: 10.42.0.2/24 }", "exit: { address: 10.42.0.1/24 }"], line: 17, expect: /both ends of b1 have the address 10.42.0.1/ },
  { name: "default_route on both failover ends", edit: ["exit: { address: 10.42.0.2/24 }", "exit: { address: 10.42.0.2/24, default_route: true }"], line: 17, expect: /both ends of failover bundle b1 have default_route/ },
  { name: "two primaries", edit: ["- { gw: up2, exit: up2 }", "- { gw: up2, exit: up2, primary: true }"], line: 20, expect: /b1 has 2 primary paths/ },
  { name: "weight on failover", edit: ["- { gw: up2, exit: up2 }", "- { gw: up2, exit: up2, weight: 2 }"], line: 20, expect: /weight means nothing to a failover bundle/ },
  { name: "monitor interval too short", edit: ["- { gw: up2, exit: up2 }\n", "- { gw: up2, exit: up2 }\n    monitor: { interval: 5ms }\n"], line: 21, expect: /monitor interval 5ms is outside 10ms..10s/ },
  { name: "monitor interval format", edit: ["- { gw: up2, exit: up2 }\n", "- { gw: up2, exit: up2 }\n    monitor: { interval: 1min }\n"], line: 21, expect: /'1min' is not a valid interval/ },
  { name: "tunnel name too long", edit: ["  b1:", "  bundle-name-xy:"], line: 13, expect: /'bundle-name-xy-[a-z0-9]{2}' \(17 characters\) is too long; the kernel allows 15/ },
  { name: "two paths with one name", edit: ["primary: true }\n      - { gw: up2, exit: up2 }", "primary: true, name: a }\n      - { gw: up2, exit: up2, name: a }"], line: 20, expect: /paths 1 and 2 of b1 are both named 'a'/ },
  { name: "bad path name", edit: ["- { gw: up2, exit: up2 }", "- { gw: up2, exit: up2, name: Backup }"], line: 20, expect: /'Backup' is not a valid path name/ },
  { name: "reserved device name", edit: ["  b1:", "  gre0:"], line: 13, expect: /'gre0' is a name the kernel gives its own devices/ },
  { name: "device name taken by an uplink", edit: ["  b1:", "  up1:"], line: 13, expect: /two devices named up1: uplink up1 and bond up1/ },
  { name: "systemd version out of range", edit: ["  gw:\n    uplinks:", "  gw:\n    systemd: 240\n    uplinks:"], line: 4, expect: /systemd is 240, outside 249..257/ },
  { name: "bad shaping rate", edit: ["up2: { address: 10.0.2.2/24, gateway: 10.0.2.1 }", "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { egress: 5 Mbit } }"], line: 6, expect: /'5 Mbit' is not a valid rate/ },
  { name: "duplicate key", edit: ["      up2: { address: 10.0.2.2/24", "      up1: { address: 10.0.2.2/24"], line: 6, expect: /YAML: Map keys must be unique/ },
  { name: "YAML syntax", edit: ["- { gw: up2, exit: up2 }", "- { gw: up2, exit: up2"], line: 21, expect: /YAML:/ },
  { name: "masquerade without a bundle", text: `${BASE.split("\nbundles:")[0]}\n`, line: 11, expect: /inet0 of exit masquerades bundle traffic, but exit ends no failover/ },
  { name: "MTU too small after encapsulation", edit: ["up1: { address: 10.0.1.2/24, gateway: 10.0.1.1 }", "up1: { address: 10.0.1.2/24, gateway: 10.0.1.1, mtu: 600 }"], line: 13, expect: /MTU of 562 after gretap encapsulation, below 576/ },
  { name: "empty inventory", text: "", line: 1, expect: /the inventory must be a mapping, not null/ },
  { name: "file name unsafe for headers", file: "my inventory.yaml", line: 1, expect: /file name 'my inventory.yaml'/ },
  { name: "link_subnet on a gre bundle", edit: ["strategy: failover", "strategy: failover\n    link_subnet: 10.99.0.0/28"], line: 15, expect: /link_subnet is for WireGuard links, and b1 uses gre/ },
  { name: "port on a gre bundle", edit: ["strategy: failover", "strategy: failover\n    port: 51000"], line: 15, expect: /port is where WireGuard listens, and b1 uses gre/ },
  { name: "nat uplink on a gre path", edit: ["up2: { address: 10.0.2.3/24 }", "up2: { address: 10.0.2.3/24, nat: true }"], line: 20, expect: /uplink up2 of exit is behind NAT \(nat: true\).*use transport: wireguard/ },
  { name: "gre to a public DNS name", edit: ["up2: { address: 10.0.2.3/24 }", "up2: { address: 10.0.2.3/24, public: exit.example.net }"], line: 20, expect: /reached by the name exit.example.net, but a gre tunnel needs an address/ },
  { name: "wireguard without link_subnet", base: WIREGUARD, edit: ["    link_subnet: 10.99.7.0/28\n", ""], line: 11, expect: /wireguard bundle s7 has no link_subnet.*10.99.0.0\/30/ },
  { name: "wireguard link_subnet too small", base: WIREGUARD, edit: ["10.99.7.0/28", "10.99.7.0/31"], line: 14, expect: /link_subnet 10.99.7.0\/31 holds 1 \/31 link, and s7 has 2 paths/ },
  { name: "wireguard link_subnet with host bits", base: WIREGUARD, edit: ["10.99.7.0/28", "10.99.7.1/28"], line: 14, expect: /has host bits set.*10.99.7.0\/28/ },
  { name: "wireguard link_subnet over an uplink", base: WIREGUARD, edit: ["10.99.7.0/28", "172.20.2.0/28"], line: 14, expect: /overlaps uplink fiber0's subnet on venue/ },
  { name: "wireguard: neither end reachable", base: WIREGUARD, edit: ["public: 203.0.113.5 }", "public: 203.0.113.5, nat: true }"], line: 20, expect: /neither end of path 1 of s7 can be reached: fiber0 of venue can, and pub0 of exit is behind NAT|neither end of path 2 of s7 can be reached: lte0 of venue is behind NAT, and pub0 of exit is behind NAT/ },
  { name: "wireguard: two bundles on one port", base: WIREGUARD, edit: ["      - { name: lte, venue: lte0, exit: pub0 }\n", "      - { name: lte, venue: lte0, exit: pub0 }\n  s8:\n    strategy: balance-rr\n    transport: wireguard\n    link_subnet: 10.99.8.0/30\n    ends:\n      venue: { address: 10.78.0.1/30 }\n      exit: { address: 10.78.0.2/30 }\n    paths:\n      - { venue: lte0, exit: pub0 }\n      - { venue: fiber0, exit: pub0 }\n"], line: 23, expect: /exit would listen on UDP port 51820 for path 1 of s7 and for path 1 of s8.*port: of its own/ },
  { name: "wireguard port leaves no room", base: WIREGUARD, edit: ["link_subnet: 10.99.7.0/28", "link_subnet: 10.99.7.0/28\n    port: 65535"], line: 15, expect: /port 65535 leaves no room for 2 paths/ },
  { name: "dual stack: IPv6-only failover", edit: ["gw: { address: 10.42.0.1/24, default_route: true }", "gw: { address: ['fd00:42::1/64'], default_route: true }"], line: 16, expect: /end gw of failover bundle b1 has no IPv4 address, and the bond's ARP monitor probes the far end over IPv4/ },
  { name: "dual stack: two IPv4 addresses", edit: ["gw: { address: 10.42.0.1/24, default_route: true }", "gw: { address: [10.42.0.1/24, 10.42.0.3/24], default_route: true }"], line: 16, expect: /end gw of b1 has two IPv4 addresses/ },
  { name: "dual stack: IPv6 on one end only", edit: ["gw: { address: 10.42.0.1/24, default_route: true }", "gw: { address: [10.42.0.1/24, 'fd00:42::1/64'], default_route: true }"], line: 17, expect: /gw's end of b1 has an IPv6 address and exit's has none/ },
  { name: "dual stack: IPv6 ends in two subnets", edit: ["exit: { address: 10.42.0.2/24 }", "exit: { address: [10.42.0.2/24, 'fd00:43::2/64'] }"], text: undefined, base: BASE.replace("gw: { address: 10.42.0.1/24, default_route: true }", "gw: { address: [10.42.0.1/24, 'fd00:42::1/64'], default_route: true }"), line: 17, expect: /exit's fd00:43::2\/64 and gw's fd00:42::1\/64 are not in one subnet/ },
  { name: "dual stack: a bad address in the list", edit: ["gw: { address: 10.42.0.1/24, default_route: true }", "gw: { address: [10.42.0.1/24, 'fd00:42::1'], default_route: true }"], line: 16, expect: /fd00:42::1/ },
  { name: "teql over wireguard: a warning (--strict fails)", text: readFileSync("test/golden/wireguard/inventory.yaml", "utf8"), line: 33, strict: true, expect: /teql over WireGuard crashed Debian's 6.1 kernel/ },
  { name: "teql end without address", base: LAB, edit: ["b: { address: 10.2.0.2/30 }", "b: { routes: [] }"], line: 18, expect: /end b of teql bundle ab has no address/ },
  { name: "teql path across two subnets", base: LAB, edit: ["e3: { address: 10.1.0.2/30 }", "e3: { address: 10.1.0.6/30 }"], line: 21, expect: /a's e2 \(10.1.0.1\/30\) and b's e3 \(10.1.0.6\/30\) are not in one subnet/ },
  { name: "route with host bits", base: LAB, edit: ["routes: [10.100.0.0/24]", "routes: [10.100.0.1/24]"], line: 17, expect: /route 10.100.0.1\/24 has host bits set.*did you mean 10.100.0.0\/24/ },
  { name: "route without prefix", base: LAB, edit: ["routes: [10.100.0.0/24]", "routes: [10.100.0.1]"], line: 17, expect: /'10.100.0.1' is not a destination prefix.*10.100.0.1\/32/ },
  { name: "route in the other family", base: LAB, edit: ["routes: [10.100.0.0/24]", "routes: ['2001:db8::/64']"], line: 17, expect: /route 2001:db8::\/64 is IPv6, but bundle ab carries IPv4/ },
  { name: "route listed twice", base: LAB, edit: ["routes: [10.100.0.0/24]", "routes: [10.100.0.0/24, 10.100.0.0/24]"], line: 17, expect: /10.100.0.0\/24 is listed twice for a in ab/ },
  { name: "loopback wider than a host", base: LAB, edit: ["lo0: 10.10.10.10/32", "lo0: 10.10.10.10/24"], line: 8, expect: /a loopback holds a single service address.*10.10.10.10\/32/ },
  { name: "ecmp end with an address", base: LAB, edit: ["strategy: teql", "strategy: ecmp"], line: 17, expect: /an ecmp bundle builds no device to hold a's address/ },
  { name: "one end only", base: LAB, edit: ["      b: { address: 10.2.0.2/30 }\n", ""], line: 16, expect: /ends must name exactly two hosts/ },
  {
    name: "teql member shared with another bundle",
    base: LAB,
    edit: ["      - { a: e2, b: e3 }\n", "      - { a: e2, b: e3 }\n  cd:\n    strategy: ecmp\n    ends:\n      a: { routes: [10.9.0.0/24] }\n      b: { routes: [10.8.0.0/24] }\n    paths:\n      - { a: e0, b: e1 }\n      - { a: e2, b: e3 }\n"],
    line: 28,
    expect: /e0 of a is a member of teql bundle ab and cannot also carry cd/,
  },
  // strategy: redundant (issue 13): failover's keys, less those that choose a path.
  { name: "primary on redundant", edit: ["strategy: failover", "strategy: redundant"], line: 19, expect: /primary means nothing to a redundant bundle: every packet goes over every path, none is preferred/ },
  { name: "monitor on redundant", base: REDUNDANT, edit: ["- { gw: up2, exit: up2 }\n", "- { gw: up2, exit: up2 }\n    monitor: { interval: 100ms }\n"], line: 21, expect: /a redundant bundle has no ARP monitor: its bond sends every packet over every path, so a dead path loses nothing/ },
  { name: "redundant over a DHCP uplink", base: REDUNDANT, edit: ["- { gw: up2, exit: up2 }", "- { gw: up2, exit: inet0 }"], line: 20, expect: /inet0 of exit takes its address from DHCP, so it cannot carry a gretap tunnel/ },
  { name: "control character in a name", edit: ["  b1:", '  "b\\u0007":'], line: 13, expect: /is not a valid bundle name/ },
  // issue 14: accepted before, broken gateway after
  { name: "one address on both ends of a path", edit: ["up1: { address: 10.0.1.3/24 }", "up1: { address: 10.0.1.2/24 }"], line: 19, expect: /path 1 of b1 has 10.0.1.2 on both ends.*give exit's up1 its own address/ },
  { name: "ecmp next hop held by the host", text: ECMP, line: 21, expect: /next hop 10.1.0.2 of path 2 of ab is a's own address \(lo0\)/ },
  { name: "loopback address twice", base: LAB, edit: ["lo0: 10.10.10.10/32", "lo0: 10.10.10.10/32\n      lo1: 10.10.10.10/32"], line: 9, expect: /loopback lo1 of a holds 10.10.10.10, which loopback lo0 already has/ },
  { name: "loopback holds an uplink's address", base: LAB, edit: ["lo0: 10.10.10.10/32", "lo0: 10.0.0.1/32"], line: 8, expect: /holds 10.0.0.1, which uplink e0 already has/ },
  { name: "loopback holds a bundle's address", base: LAB, edit: ["lo0: 10.10.10.10/32", "lo0: 10.2.0.1/32"], line: 8, expect: /holds 10.2.0.1, which bundle ab already has/ },
  { name: "prefix /0", edit: ["10.0.1.2/24", "10.0.1.2/0"], line: 5, expect: /10.0.1.2\/0 puts 0.0.0.0\/0 on-link.*at least \/8/ },
  { name: "prefix /1", edit: ["10.0.1.2/24", "10.0.1.2/1"], line: 5, expect: /10.0.1.2\/1 puts 0.0.0.0\/1 on-link/ },
  { name: "gateway is the network address", edit: ["gateway: 10.0.1.1 }", "gateway: 10.0.1.0 }"], line: 5, expect: /gateway 10.0.1.0 is the network address of up1's subnet 10.0.1.0\/24/ },
  { name: "gateway is the broadcast address", edit: ["gateway: 10.0.1.1 }", "gateway: 10.0.1.255 }"], line: 5, expect: /gateway 10.0.1.255 is the broadcast address of up1's subnet/ },
  { name: "gateway is multicast", edit: ["gateway: 10.0.1.1 }", "gateway: 224.0.0.1 }"], line: 5, expect: /gateway 224.0.0.1 is a multicast address/ },
  { name: "uplink 0.0.0.0/32", edit: [EXIT_UP2, "up2: { address: 0.0.0.0/32 }"], line: 10, expect: /0.0.0.0\/32 is in 0.0.0.0\/8.*cannot be the address of uplink up2 of exit/ },
  { name: "uplink 255.255.255.255/32", edit: [EXIT_UP2, "up2: { address: 255.255.255.255/32 }"], line: 10, expect: /255.255.255.255\/32 is reserved \(240.0.0.0\/4/ },
  { name: "uplink 127.0.0.2/8", edit: [EXIT_UP2, "up2: { address: 127.0.0.2/8 }"], line: 10, expect: /127.0.0.2\/8 is a loopback address/ },
  { name: "uplink ::1/128", edit: [EXIT_UP2, 'up2: { address: "::1/128" }'], line: 10, expect: /::1\/128 is the loopback address ::1/ },
  { name: "uplink 224.0.0.5/24", edit: [EXIT_UP2, "up2: { address: 224.0.0.5/24 }"], line: 10, expect: /224.0.0.5\/24 is a multicast address/ },
  { name: "uplink ff02::5/64", edit: [EXIT_UP2, 'up2: { address: "ff02::5/64" }'], line: 10, expect: /ff02::5\/64 is a multicast address \(ff00::\/8\)/ },
  { name: "uplink 240.0.0.5/24", edit: [EXIT_UP2, "up2: { address: 240.0.0.5/24 }"], line: 10, expect: /240.0.0.5\/24 is reserved/ },
  { name: "uplink ::/128", edit: [EXIT_UP2, 'up2: { address: "::/128" }'], line: 10, expect: /::\/128 is the unspecified address/ },
  { name: "uplink ::ffff:a00:2/120", edit: [EXIT_UP2, 'up2: { address: "::ffff:a00:2/120" }'], line: 10, expect: /is an IPv4-mapped address.*write the IPv4 address/ },
  { name: "bundle end in 127.0.0.0/8", edit: ["exit: { address: 10.42.0.2/24 }", "exit: { address: 127.42.0.2/24 }"], line: 17, expect: /127.42.0.2\/24 is a loopback address.*end exit of bundle b1/ },
  { name: "default route beside default_route", edit: ["default_route: true }", "default_route: true, routes: [0.0.0.0/0] }"], line: 16, expect: /route 0.0.0.0\/0 is a default route beside default_route: true.*remove it/ },
  { name: "default route as a route", base: LAB, edit: ["routes: [10.100.0.0/24]", "routes: [0.0.0.0/0]"], line: 17, expect: /route 0.0.0.0\/0 is a default route: it would beat.*default_route: true/ },
  { name: "route into the host's own uplink subnet", base: LAB, edit: ["routes: [10.100.0.0/24]", "routes: [10.1.0.0/24]"], line: 17, expect: /route 10.1.0.0\/24 covers a's uplink e2 \(10.1.0.0\/30\)/ },
  { name: "rate below 8bit", edit: [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { egress: 7bit } }"], line: 6, expect: /egress rate 7bit is below 8bit, which tc refuses/ },
  { name: "rate above 4gbit", edit: [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { ingress: 999999999gbit } }"], line: 6, expect: /ingress rate 999999999gbit is above 4gbit.*burst/ },
  { name: "uplink named all", edit: ["inet0: { dhcp: true, masquerade: true }", "all: { dhcp: true, masquerade: true }"], line: 11, expect: /'all' cannot name a device: net\/ipv4\/conf\/all\/ means every device/ },
  { name: "uplink named default", edit: ["inet0: { dhcp: true, masquerade: true }", "default: { dhcp: true, masquerade: true }"], line: 11, expect: /'default' cannot name a device/ },
  { name: "bundle named default", edit: ["  b1:", "  default:"], line: 13, expect: /'default' cannot name a bundle/ },
  { name: "17 paths", text: withPaths(17), line: 47, expect: /bundles.b1.paths has 17 entries; netgen takes at most 16/ },
  { name: "65 uplinks", text: withPaths(65).split("bundles:")[0]!, line: 4, expect: /hosts.gw.uplinks has 65 entries; netgen takes at most 64.*split/ },
  { name: "1,025 routes", base: LAB, edit: ["routes: [10.100.0.0/24]", `routes: [${Array.from({ length: 1025 }, (_, i) => `10.${100 + (i >> 8)}.${i & 255}.0/24`).join(", ")}]`], line: 17, expect: /routes has 1025 entries; netgen takes at most 1,024/ },
  { name: "10,001 hosts", text: `netgen: 1\nhosts:\n${Array.from({ length: 10001 }, (_, i) => `  h${i}: { uplinks: { e0: { dhcp: true } } }`).join("\n")}\n`, line: 2, expect: /hosts has 10001 entries; netgen takes at most 10,000/ },
  { name: "a 100,000-character address", edit: ["10.0.1.2/24", "x".repeat(100000)], line: 5, expect: /up1.address is 100000 characters long; netgen takes at most 64/ },
  { name: "unknown YAML tag", edit: ["strategy: failover", "strategy: !foo failover"], line: 14, expect: /YAML: unknown tag !foo.*remove the tag/ },
  { name: "YAML tag of another type", edit: ["strategy: failover", "strategy: !!binary aGk="], line: 14, expect: /YAML: unknown tag !!binary/ },
  { name: "1e999", edit: [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, mtu: 1e999 }"], line: 6, expect: /YAML: 1e999 is infinite/ },
  { name: ".inf", edit: [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, mtu: .inf }"], line: 6, expect: /YAML: .inf is infinite/ },
  { name: "a list as a key", edit: ["      up2: { address: 10.0.2.2/24", "      ? [up2]\n      : { address: 10.0.2.2/24"], line: 6, expect: /YAML: a key that is a list or a mapping/ },
  { name: "aliases that expand past a million nodes", text: AMPLIFIED, line: 1, expect: /expands to more than 1,000,000 YAML nodes/ },
  { name: "aliases that multiply the inventory", text: ALIASED_HOSTS, line: 1, expect: /aliases multiply the inventory \d+ times \([\d,]+ nodes written, [\d,]+ once expanded\); netgen allows 10 times/ },
  { name: "nested 40 levels", text: `netgen: 1\nhosts: ${"[".repeat(40)}${"]".repeat(40)}\n`, line: 2, expect: /YAML: nested more than 32 levels deep/ },
  { name: "link-local uplink (--strict)", strict: true, edit: [EXIT_UP2, "up2: { address: 169.254.2.3/16 }"], line: 10, expect: /link-local address 169.254.2.3\/16.*\(an error under --strict\)/ },
  { name: "rate of a byte a second (--strict)", strict: true, edit: [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { egress: 8bit } }"], line: 6, expect: /egress rate 8bit is 1 byte a second.*did you mean kbit/ },
];

const problemsOf = (c: Case): LocatedProblem[] => {
  const text = c.text ?? (c.edit ? apply(c.base ?? BASE, c.edit) : (c.base ?? BASE));
  try {
    validateText(c.file ?? "case.yaml", text, { strict: c.strict });
  } catch (error) {
    if (error instanceof InventoryError) return error.problems;
    throw error;
  }
  return [];
};

test("the validator compiled at build time is the schema as it is now (npm run build writes it; tsc alone does not)", () => {
  assert.is(readFileSync(VALIDATOR_FILE, "utf8"), validatorSource(), `${VALIDATOR_FILE} is stale: run npm run build`);
});

test("the inventory schema is valid against its meta-schema (netgen does not check at start-up)", () => {
  const ajv = new Ajv({ ...AJV_OPTIONS });
  assert.ok(ajv.validateSchema(inventorySchema), ajv.errorsText(ajv.errors));
  // The check can fail: a keyword with a value of the wrong type.
  assert.not.ok(ajv.validateSchema({ ...inventorySchema, required: "netgen" }));
});

test("the bases are valid", () => {
  validateText("base.yaml", BASE);
  validateText("lab.yaml", LAB);
});

test(`${CASES.length} bad inventories: message and line`, () => {
  assert.ok(CASES.length >= 30);
  const failures: string[] = [];
  for (const c of CASES) {
    const problems = problemsOf(c);
    const shown = problems.map((p) => `${p.line}:${p.col} ${p.message} | ${p.hint ?? ""}`).join("\n    ");
    const hit = problems.find((p) => c.expect.test(`${p.message} | ${p.hint ?? ""}`));
    if (hit === undefined) failures.push(`${c.name}: no problem matches ${c.expect}; got:\n    ${shown || "(valid)"}`);
    else if (hit.line !== c.line) failures.push(`${c.name}: reported at line ${hit.line}, expected ${c.line}`);
  }
  assert.equal(failures, []);
});

test("redundant: both ends may have default_route, and an IPv6-only bundle needs no IPv4 (no ARP monitor)", () => {
  const both = apply(REDUNDANT, ["exit: { address: 10.42.0.2/24 }", "exit: { address: 10.42.0.2/24, default_route: true }"]);
  assert.equal(problemsOf({ name: "both default_route", text: both, line: 0, expect: /./ }), []);
  const v6 = REDUNDANT.replace("gw: { address: 10.42.0.1/24", "gw: { address: ['fd00:42::1/64']").replace("exit: { address: 10.42.0.2/24", "exit: { address: ['fd00:42::2/64']");
  assert.equal(problemsOf({ name: "IPv6-only", text: v6, line: 0, expect: /./ }), []);
});

test("the wireguard base is valid, so each wireguard case above is one edit's problem", () => {
  assert.equal(problemsOf({ name: "wireguard base", text: WIREGUARD, line: 0, expect: /./ }), []);
});

test("merge keys: two in one mapping are not a duplicate key, and the merged inventory is valid", () => {
  const text = BASE.replace("up1: { address: 10.0.1.2/24", "up1: &g1 { address: 10.0.1.2/24")
    .replace("up2: { address: 10.0.2.2/24", "up2: &g2 { address: 10.0.2.2/24")
    .replace("      up1: { address: 10.0.1.3/24 }", "      up1:\n        <<: *g1\n        <<: *g2\n        address: 10.0.1.3/24");
  validateText("merge.yaml", text);
});

test("every problem of an inventory is reported at once", () => {
  let text = apply(BASE, ["gateway: 10.0.1.1 }", "gatway: 10.0.1.1 }"]);
  text = apply(text, ["- { gw: up2, exit: up2 }", "- { gw: up3, exit: up2 }"]);
  text = apply(text, ["exit: { address: 10.42.0.2/24 }", "exit: { address: 10.43.0.2/24 }"]);
  const lines = problemsOf({ name: "three", text, line: 0, expect: /./ }).map((p) => p.line);
  assert.equal(lines, [5, 17, 20]);
});

test("warnings: said, not fatal, unless strict", () => {
  const text = apply(BASE, [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { egress: 8bit } }"]);
  const said: LocatedProblem[] = [];
  validateText("w.yaml", text, { warn: (w) => said.push(w) });
  assert.equal(said.filter((w) => /rate/.test(w.message)).map((w) => `${w.line}:${w.col} ${w.message}`), ["6:72 egress rate 8bit is 1 byte a second: a 1500-byte packet takes 1500.0 s"]);
  assert.throws(() => validateText("w.yaml", text, { strict: true }), (e: unknown) => e instanceof InventoryError);
});

test("warnings: a failover bond's uplink left unshaped in either direction is exposed to false failovers under load", () => {
  const warnings = (text: string) => {
    const said: LocatedProblem[] = [];
    validateText("w.yaml", text, { warn: (w) => said.push(w) });
    return said.map((w) => `${w.line}:${w.col} ${w.message}`);
  };
  assert.equal(warnings(BASE), [
    "5:7 uplink up1 of gw carries path 1 of failover bundle b1 without egress and ingress shaping: when traffic fills the line, the bond's ARP probes wait in the ISP's queue and the bond leaves a healthy path",
    "6:7 uplink up2 of gw carries path 2 of failover bundle b1 without egress and ingress shaping: when traffic fills the line, the bond's ARP probes wait in the ISP's queue and the bond leaves a healthy path",
  ], "the bond's end (gw) only: the bridge on exit sends no probes");
  const shaped = apply(apply(BASE, [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { egress: 4500kbit } }"]), ["up1: { address: 10.0.1.2/24, gateway: 10.0.1.1 }", "up1: { address: 10.0.1.2/24, gateway: 10.0.1.1, shape: { egress: 4500kbit, ingress: 4500kbit } }"]);
  assert.equal(warnings(shaped), ["6:7 uplink up2 of gw carries path 2 of failover bundle b1 without ingress shaping: when traffic fills the line, the bond's ARP probes wait in the ISP's queue and the bond leaves a healthy path"]);
  const roundRobin = apply(apply(BASE, ["strategy: failover", "strategy: balance-rr"]), [", primary: true", ""]);
  assert.equal(warnings(roundRobin).filter((w) => /ARP probes/.test(w)), [], "balance-rr was measured without false failures under load (docs/lab.md)");
  assert.throws(() => validateText("w.yaml", BASE, { strict: true }), (e: unknown) => e instanceof InventoryError);
});

test("warnings: a balance-rr path with no declared rate in a direction cannot be paced from that end", () => {
  const warnings = (text: string) => {
    const said: LocatedProblem[] = [];
    validateText("w.yaml", text, { warn: (w) => said.push(w) });
    return said.map((w) => `${w.line}:${w.col} ${w.message.split(", so")[0]}`);
  };
  const roundRobin = apply(apply(BASE, ["strategy: failover", "strategy: balance-rr"]), [", primary: true", ""]);
  assert.equal(warnings(roundRobin), [
    "19:9 path 1 of balance-rr bundle b1 has no declared rate from gw to exit (gw's up1 egress or exit's up1 ingress) nor from exit to gw (exit's up1 egress or gw's up1 ingress)",
    "20:9 path 2 of balance-rr bundle b1 has no declared rate from gw to exit (gw's up2 egress or exit's up2 ingress) nor from exit to gw (exit's up2 egress or gw's up2 ingress)",
  ]);
  // gw's egress covers gw -> exit on path 1; gw's ingress covers exit -> gw on path 2: one direction each is left.
  const some = apply(apply(roundRobin, [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { ingress: 4500kbit } }"]), ["up1: { address: 10.0.1.2/24, gateway: 10.0.1.1 }", "up1: { address: 10.0.1.2/24, gateway: 10.0.1.1, shape: { egress: 4500kbit } }"]);
  assert.equal(warnings(some), [
    "19:9 path 1 of balance-rr bundle b1 has no declared rate from exit to gw (exit's up1 egress or gw's up1 ingress)",
    "20:9 path 2 of balance-rr bundle b1 has no declared rate from gw to exit (gw's up2 egress or exit's up2 ingress)",
  ]);
  const all = apply(apply(roundRobin, [UP2, "up2: { address: 10.0.2.2/24, gateway: 10.0.2.1, shape: { egress: 1mbit, ingress: 4500kbit } }"]), ["up1: { address: 10.0.1.2/24, gateway: 10.0.1.1 }", "up1: { address: 10.0.1.2/24, gateway: 10.0.1.1, shape: { egress: 4500kbit, ingress: 1mbit } }"]);
  assert.equal(warnings(all), [], "gw's rates cover both directions of both paths");
});

test("a long value is shown by its start and length, never whole", () => {
  const long = "x".repeat(15 * 1024 * 1024);
  const problems = problemsOf({ name: "long", edit: ["10.0.1.2/24", long], line: 0, expect: /./ });
  assert.ok(problems.length >= 2);
  for (const p of problems) assert.ok(p.message.length + (p.hint ?? "").length < 2000, `${p.message.length} characters: ${p.message.slice(0, 100)}`);
  assert.ok(problems.some((p) => /x{59}\.\.\.\(157286\d\d characters\)/.test(p.message)), problems.map((p) => p.message).join("\n"));
});

test.run();
