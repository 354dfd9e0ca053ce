// No string from the inventory can add a line, a section or a key to a
// generated file, or a word to a tc command line: at every place a string
// reaches output it is checked against what systemd and ip/tc accept and
// refused, never escaped into place.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InventoryError, InternalError } from "../src/errors.js";
import { planInventory } from "../src/plan/plan.js";
import { renderHost } from "../src/render/render-host.js";
import { validateText } from "../src/pipeline/pipeline.js";
import { BASE, LAB } from "./support/bases.js";
import { fakeKeys, randomInventory } from "./support/generate.js";

const PAYLOADS = ["x\\n[Network]\\nAddress=0.0.0.0/0", "x\\nExecStart=/bin/sh", "x y", "x;reboot", "$(reboot)", "`reboot`", "x\\r", "x\\u0000", "x'", 'x\\"', "x\\\\", "x#", "x=1", "x[", "../../etc", "x/y", "%n"];

// [where the string goes, base, text to replace, template for the payload]
const PLACES: [string, string, string, (p: string) => string][] = [
  ["host name (file paths, headers)", BASE, "  gw:\n", (p) => `  "gw${p}":\n`],
  ["uplink name (Name=, Tunnel=, tc dev)", LAB, "      e0: {", (p) => `      "e0${p}": {`],
  ["loopback name (Name=)", LAB, "      lo0: 10.10.10.10/32", (p) => `      "lo0${p}": 10.10.10.10/32`],
  ["bundle name (Name=, Bond=, file names)", BASE, "  b1:\n", (p) => `  "b1${p}":\n`],
  ["uplink address (Address=)", BASE, "address: 10.0.1.2/24", (p) => `address: "10.0.1.2/24${p}"`],
  ["gateway (Gateway=)", BASE, "gateway: 10.0.1.1 }", (p) => `gateway: "10.0.1.1${p}" }`],
  ["loopback address (Address=)", LAB, "lo0: 10.10.10.10/32", (p) => `lo0: "10.10.10.10/32${p}"`],
  ["end address (Address=, ARPIPTargets=)", BASE, "gw: { address: 10.42.0.1/24", (p) => `gw: { address: "10.42.0.1/24${p}"`],
  ["route (Destination=)", LAB, "routes: [10.100.0.0/24]", (p) => `routes: ["10.100.0.0/24${p}"]`],
  ["shaping rate (tc ExecStart=)", LAB, "e2: { address: 10.1.0.1/30 }", (p) => `e2: { address: 10.1.0.1/30, shape: { ingress: "5mbit${p}" } }`],
  ["monitor interval (ARPIntervalSec=)", BASE, "      - { gw: up2, exit: up2 }\n", (p) => `      - { gw: up2, exit: up2 }\n    monitor: { interval: "100ms${p}" }\n`],
  ["path uplink reference (Tunnel=, MultiPathRoute=)", BASE, "- { gw: up2, exit: up2 }", (p) => `- { gw: "up2${p}", exit: up2 }`],
  ["ssh host (the push connection)", BASE, "  gw:\n    uplinks:", (p) => `  gw:\n    ssh: { host: "192.0.2.1${p}" }\n    uplinks:`],
  ["ssh user", BASE, "  gw:\n    uplinks:", (p) => `  gw:\n    ssh: { user: "root${p}" }\n    uplinks:`],
  ["host key", BASE, "  gw:\n    uplinks:", (p) => `  gw:\n    ssh: { host_key: "ssh-ed25519 AAAA${p}" }\n    uplinks:`],
];

test(`${PLACES.length} places x ${PAYLOADS.length} payloads: each refused with its line`, () => {
  const failures: string[] = [];
  for (const [place, base, from, make] of PLACES) {
    assert.ok(base.includes(from), `${place}: base does not contain ${from}`);
    for (const payload of PAYLOADS) {
      if (place === "host key" && payload === "x/y") continue; // '/' is base64: a valid key blob
      const text = base.replace(from, make(payload));
      try {
        const inventory = validateText("inject.yaml", text);
        failures.push(`${place} accepted ${JSON.stringify(payload)}: ${inventory.hosts.length} hosts`);
      } catch (error) {
        if (!(error instanceof InventoryError)) failures.push(`${place} ${JSON.stringify(payload)}: ${(error as Error).message}`);
        else if (!error.problems.every((p) => p.line >= 1)) failures.push(`${place} ${JSON.stringify(payload)}: problem without a line`);
      }
    }
  }
  assert.equal(failures, []);
});

test("the inventory's file name reaches headers: refused when it could change them", () => {
  for (const name of ["a\nb.yaml", "a b.yaml", "#x.yaml", "x.yaml\r"]) {
    assert.throws(() => validateText(name, BASE), (e: unknown) => e instanceof InventoryError && e.problems.some((p) => /file name/.test(p.message)));
  }
});

const TC_LINE = [
  /^(-)?\/sbin\/tc qdisc (replace|add|del) dev [A-Za-z0-9_.-]{1,15} (root( handle 1:( stab overhead [1-9][0-9]{1,2})? htb default 1)?|handle ffff: ingress|ingress)$/,
  /^\/sbin\/tc class replace dev [A-Za-z0-9_.-]{1,15} parent 1: classid 1:1 htb rate [1-9][0-9]*[kmg]?bit ceil [1-9][0-9]*[kmg]?bit$/,
  /^\/sbin\/tc filter replace dev [A-Za-z0-9_.-]{1,15} parent ffff: protocol all prio 1 handle 800::800 u32 match u32 0 0 action mirred egress redirect dev [A-Za-z0-9_.-]{1,15}$/,
  /^(-)?\/usr\/sbin\/nft (-f \/etc\/netgen\/firewall\.nft|delete table inet netgen)$/,
  /^-\/sbin\/tc qdisc replace dev [A-Za-z0-9_.-]{1,15} root teql[0-9]{1,3}$/,
  /^\/sbin\/ip link set dev teql[0-9]{1,3} up$/,
  /^-\/sbin\/ip link set dev [A-Za-z0-9_.-]{1,15} gso_max_segs 1$/,
  /^(-)?\/sbin\/ip link set dev [A-Za-z0-9_.-]{1,15} type bond arp_missed_max [1-9][0-9]{0,2}$/,
  /^-\/sbin\/tc qdisc replace dev [A-Za-z0-9_.-]{1,15} parent 1:1 handle 10: fq_codel$/,
  /^\/etc\/netgen\/metrics\.sh$/,
];

test("every command line in every generated unit has exactly the words of its form (200 random inventories)", () => {
  const bad: string[] = [];
  for (let seed = 9000; seed < 9200; seed++) {
    const inventory = validateText("random.yaml", randomInventory(seed));
    fakeKeys(inventory);
    for (const host of planInventory(inventory).map(renderHost)) {
      for (const e of host.entries) {
        if (e.kind !== "file" || !e.path.endsWith(".service")) continue;
        for (const line of e.content.split("\n")) {
          const command = /^Exec(Start|Stop|Reload)=(.*)$/.exec(line)?.[2];
          if (command !== undefined && !TC_LINE.some((re) => re.test(command))) bad.push(`seed ${seed} ${host.host} ${e.path}: ${command}`);
        }
      }
    }
  }
  assert.equal(bad, []);
});

test("render refuses to write a control character even if one slipped past validation", () => {
  const [plan] = planInventory(validateText("base.yaml", BASE));
  plan!.networks[0]!.description = "uplink\u001b[2J";
  assert.throws(() => renderHost(plan!), (e: unknown) => e instanceof InternalError && /control or non-ASCII character/.test((e as Error).message));
});

test.run();
