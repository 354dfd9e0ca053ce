// Forwarding and wait-online as planned, without a host: one sysctl.d switch per
// family on every systemd version (no networkd forwarding directive, whose
// meaning changed in 256), router advertisements kept on DHCP uplinks of a host
// that forwards IPv6, and DHCP uplinks not holding network-online.target while a
// static uplink still does.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { planInventory } from "../src/plan/plan.js";
import { renderInventory, validateText } from "../src/pipeline/pipeline.js";
import { renderHost } from "../src/render/render-host.js";

const VERSIONS = "test/golden/systemd-versions/inventory.yaml";

const fileOf = (entries: { path: string; kind: string }[], path: string): string => {
  const e = entries.find((x) => x.path === path);
  return e && e.kind === "file" ? (e as unknown as { content: string }).content : "";
};

test("every declared systemd version gets the same forwarding: sysctl.d, no .network directive", () => {
  const hosts = renderInventory(VERSIONS).hosts;
  const bodies = new Map<string, Set<string>>();
  for (const h of hosts) {
    for (const e of h.entries) {
      if (e.kind !== "file") continue;
      if (e.path.endsWith(".network")) assert.not.match(e.content, /Forward/, `${h.host} ${e.path}`);
    }
    const role = h.host.replace(/\d+$/, "");
    // The same lines on each version, once the version-specific names are read alike.
    const forwarding = fileOf(h.entries, "etc/sysctl.d/60-netgen.conf").split("\n").filter((l) => /forward/.test(l)).join("\n");
    bodies.set(role, new Set([...(bodies.get(role) ?? []), forwarding]));
  }
  assert.equal([...bodies.get("gw")!], ["net/ipv4/ip_forward = 1"]);
  assert.equal([...bodies.get("exit")!], ["net/ipv4/ip_forward = 1"]);
});

const DUAL = `netgen: 1
hosts:
  gw:
    systemd: 257
    uplinks:
      a0: { address: 10.1.1.2/24 }
      a1: { address: 10.1.2.2/24 }
      lte: { dhcp: true }
  exit:
    systemd: 257
    uplinks:
      a0: { address: 10.1.1.3/24 }
      a1: { address: 10.1.2.3/24 }
bundles:
  v6:
    strategy: failover
    ends:
      gw: { address: [10.9.0.1/24, "fd00:9::1/64"], default_route: true }
      exit: { address: [10.9.0.2/24, "fd00:9::2/64"] }
    paths:
      - { gw: a0, exit: a0 }
      - { gw: a1, exit: a1 }
`;

test("a host forwarding IPv6 still accepts router advertisements on its DHCP uplinks; DHCP uplinks beside a static one are not required for online", () => {
  const gw = planInventory(validateText("dual.yaml", DUAL)).find((p) => p.host === "gw")!;
  assert.equal(gw.sysctls.filter((s) => /forward/.test(s.key)).map((s) => `${s.key}=${s.value}`), ["net/ipv4/ip_forward=1", "net/ipv6/conf/all/forwarding=1"]);
  const files = renderHost(gw).entries;
  const lte = fileOf(files, "etc/systemd/network/10-netgen-lte.network");
  assert.match(lte, /^IPv6AcceptRA=yes$/m);
  assert.match(lte, /^RequiredForOnline=no$/m);
  assert.not.match(fileOf(files, "etc/systemd/network/10-netgen-a0.network"), /RequiredForOnline|IPv6AcceptRA/);
});

test("a host with DHCP uplinks only keeps them required: with none required, wait-online waits out its timeout", () => {
  const only = `netgen: 1\nhosts:\n  solo:\n    systemd: 257\n    uplinks:\n      lte: { dhcp: true }\n      dsl: { dhcp: true }\n`;
  const solo = planInventory(validateText("solo.yaml", only))[0]!;
  for (const n of solo.networks) assert.is(n.requiredForOnline, undefined, n.name);
});

test.run();
