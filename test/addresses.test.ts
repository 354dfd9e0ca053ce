// Addresses reach generated files in canonical text only: an inventory that
// spells its IPv6 addresses in upper case, with leading zeros or with zero
// runs written out renders byte for byte like the canonical one (the push's
// health check looks for each Address= in `ip`'s output). The formatter is
// checked against glibc's inet_ntop, which `ip` prints with.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderedFiles } from "./support/rendered-files.js";
import { formatIp, parseCidr, parseIp } from "../src/net/address.js";
import { command, tierAvailable } from "./support/tier.js";

// Every place an address can be written: uplinks and gateways (an IPv6
// underlay: tunnel Local=/Remote=), loopbacks, ecmp next hops and routes, a
// teql end's address and routes.
const SPELLINGS: [canonical: string, spelt: string][] = [
  ["2001:db8:1::2/64", "2001:DB8:1:0:0:0:0:2/64"],
  ["2001:db8:1::1", "2001:0db8:0001::0001"],
  ["2001:db8:2::2/64", "2001:DB8:2:0:0::2/64"],
  ["2001:db8:2::1", "2001:db8:2:0:0:0:0:1"],
  ["2001:db8:1::3/64", "2001:db8:1:0::3/64"],
  ["2001:db8:2::3/64", "2001:0DB8:0002:0000:0000:0000:0000:0003/64"],
  ["2001:db8:a::1/64", "2001:db8:A::1/64"],
  ["2001:db8:a::2/64", "2001:db8:a:0:0:0::2/64"],
  ["2001:db8:b::1/64", "2001:DB8:B::1/64"],
  ["2001:db8:b::2/64", "2001:db8:000b::2/64"],
  ["2001:db8:c::1/64", "2001:db8:c:0:0:0:0:1/64"],
  ["2001:db8:c::2/64", "2001:db8:C::0:2/64"],
  ["2001:db8:d::1/64", "2001:0db8:000d:0::1/64"],
  ["2001:db8:d::2/64", "2001:DB8:D:0:0:0:0:2/64"],
  ["2001:db8:ff::1/128", "2001:DB8:FF:0::1/128"],
  ["2001:db8:ff::2/128", "2001:db8:00ff::0:2/128"],
  ["fd00:77::1/64", "FD00:77:0:0:0:0:0:1/64"],
  ["fd00:77::2/64", "fd00:0077::0002/64"],
  ["2001:db8:ee::/48", "2001:DB8:EE:0:0:0:0:0/48"],
];

function inventory(spell: (canonical: string) => string): string {
  const a = (canonical: string) => `"${spell(canonical)}"`;
  return `netgen: 1
defaults: { systemd: 257 }
hosts:
  edge:
    uplinks:
      en0: { address: ${a("2001:db8:1::2/64")}, gateway: ${a("2001:db8:1::1")} }
      en1: { address: ${a("2001:db8:2::2/64")}, gateway: ${a("2001:db8:2::1")} }
      e2: { address: ${a("2001:db8:a::1/64")} }
      e3: { address: ${a("2001:db8:b::1/64")} }
      e4: { address: ${a("2001:db8:c::1/64")} }
      e5: { address: ${a("2001:db8:d::1/64")} }
    loopbacks:
      lo0: ${a("2001:db8:ff::1/128")}
  core:
    uplinks:
      en0: { address: ${a("2001:db8:1::3/64")} }
      en1: { address: ${a("2001:db8:2::3/64")} }
      e2: { address: ${a("2001:db8:a::2/64")} }
      e3: { address: ${a("2001:db8:b::2/64")} }
      e4: { address: ${a("2001:db8:c::2/64")} }
      e5: { address: ${a("2001:db8:d::2/64")} }
      up0: { dhcp: true, masquerade: true }
    loopbacks:
      lo1: ${a("2001:db8:ff::2/128")}
bundles:
  v6:
    strategy: failover
    ends:
      edge: { address: 10.60.0.1/24, default_route: true }
      core: { address: 10.60.0.2/24 }
    paths:
      - { edge: en0, core: en0 }
      - { edge: en1, core: en1 }
  mp:
    strategy: ecmp
    ends:
      edge: { routes: [${a("2001:db8:ff::2/128")}] }
      core: { routes: [${a("2001:db8:ff::1/128")}] }
    paths:
      - { edge: e2, core: e2 }
      - { edge: e3, core: e3 }
  eq:
    strategy: teql
    ends:
      edge: { address: ${a("fd00:77::1/64")}, routes: [${a("2001:db8:ee::/48")}] }
      core: { address: ${a("fd00:77::2/64")} }
    paths:
      - { edge: e4, core: e4 }
      - { edge: e5, core: e5 }
`;
}

let work = "";
test.before(() => void (work = mkdtempSync(join(tmpdir(), "netgen-addresses-"))));
test.after(() => rmSync(work, { recursive: true, force: true }));

const render = (variant: string, text: string) => renderedFiles(join(work, variant), text);

test("an inventory with IPv6 spelt every which way renders exactly like the canonical one", () => {
  const spelt = new Map(SPELLINGS);
  for (const [canonical, other] of SPELLINGS) {
    assert.is.not(other, canonical);
    assert.is((parseCidr(other) ?? parseIp(other))?.text, canonical, `${other} parses to ${canonical}`);
  }
  const canonical = render("canonical", inventory((c) => c));
  const noisy = render("noisy", inventory((c) => spelt.get(c)!));
  assert.equal([...noisy.keys()].sort(), [...canonical.keys()].sort());
  for (const [path, content] of canonical) assert.is(noisy.get(path), content, path);
  // And the canonical text is what reaches the files, in every kind of place.
  const all = [...canonical.values()].join("\n");
  for (const line of ["Address=2001:db8:1::2/64", "Gateway=2001:db8:1::1", "Local=2001:db8:1::2", "Remote=2001:db8:1::3", "Address=2001:db8:ff::1/128", "MultiPathRoute=2001:db8:a::2@e2 1", "Destination=2001:db8:ff::2/128", "Address=fd00:77::1/64", "Destination=2001:db8:ee::/48", "Gateway=fd00:77::2"]) {
    assert.ok(all.includes(line), `${line} rendered`);
  }
  for (const [, other] of SPELLINGS) assert.not.ok(all.includes(other.split("/")[0]!), `${other} leaked into a file`);
});

test("IPv6 text is exactly what glibc's inet_ntop (and so `ip`) prints", () => {
  if (!tierAvailable("IPv6 formatting against inet_ntop", [command("python3")])) return;
  // Zero runs of every length at every place, both IPv4-in-IPv6 forms, and random groups.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
  const values: bigint[] = [0n, 1n, 0xffffn << 32n, (0xffffn << 32n) | 0x01020304n, 0x01020304n, 0x10000n];
  for (let n = 0; n < 3000; n++) {
    const groups = Array.from({ length: 8 }, () => (random() % 3 === 0 ? random() % 65536 : 0));
    if (n % 7 === 0) groups[5] = 0xffff;
    values.push(groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n));
  }
  const hexes = values.map((v) => v.toString(16).padStart(32, "0"));
  const script = "import socket,sys\nfor h in sys.stdin.read().split():\n print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(h)))";
  const expected = execFileSync("python3", ["-c", script], { input: hexes.join("\n") }).toString().trim().split("\n");
  assert.is(expected.length, values.length);
  const wrong = values.map((v, i) => [formatIp(6, v), expected[i]]).filter(([ours, theirs]) => ours !== theirs);
  assert.equal(wrong.slice(0, 5), [], `${wrong.length} of ${values.length} differ`);
});

test.run();
