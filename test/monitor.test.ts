// monitor.missed (the kernel's arp_missed_max): schema bounds, ARPMissedMax= in
// the bond's .netdev where networkd writes it (256 and later), a oneshot that
// sets it on the live bond before that, and neither in the lab's control (the
// write-up's layout never had it). The lab runs the unit on a real kernel
// (lab.test reads the value back from the bond).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InventoryError } from "../src/errors.js";
import { writeUpLayout } from "../src/lab/control.js";
import { renderHosts } from "../src/pipeline/pipeline.js";
import { validateText } from "../src/validate/validate.js";
import { BASE } from "./support/bases.js";

const withMonitor = (monitor: string, systemd = 252) =>
  `${BASE}    monitor: ${monitor}\n`.replace("hosts:\n", `defaults: { systemd: ${systemd} }\nhosts:\n`);
const files = (text: string, host = "gw") => renderHosts(validateText("m.yaml", text)).find((h) => h.host === host)!.entries;
const content = (text: string, path: string) => {
  const e = files(text).find((x) => x.path === path);
  return e?.kind === "file" ? e.content : undefined;
};
const NETDEV = "etc/systemd/network/10-netgen-b1.netdev";
const UNIT = "etc/systemd/system/netgen-bond-b1.service";

test("missed is 1..255, an integer", () => {
  for (const bad of ["0", "256", "1.5", '"1"']) {
    assert.throws(() => validateText("m.yaml", withMonitor(`{ interval: 100ms, missed: ${bad} }`)), (e: unknown) => e instanceof InventoryError && e.problems.some((p) => p.path.includes("missed")), bad);
  }
  validateText("m.yaml", withMonitor("{ interval: 100ms, missed: 255 }"));
});

test("systemd 252: a oneshot on the bond sets arp_missed_max; the .netdev has no ARPMissedMax=", () => {
  const text = withMonitor("{ interval: 100ms, missed: 1 }");
  assert.not.match(content(text, NETDEV)!, /ARPMissedMax/);
  const unit = content(text, UNIT)!;
  assert.match(unit, /^ExecStart=\/sbin\/ip link set dev b1 type bond arp_missed_max 1$/m);
  assert.match(unit, /^BindsTo=sys-subsystem-net-devices-b1\.device$/m);
  // A push that drops monitor.missed stops the unit and leaves the bond as it is: the stop puts the kernel's 2 back.
  assert.match(unit, /^ExecStop=-\/sbin\/ip link set dev b1 type bond arp_missed_max 2$/m);
  assert.ok(files(text).some((e) => e.path === "etc/systemd/system/sys-subsystem-net-devices-b1.device.wants/netgen-bond-b1.service"), "started when the bond appears");
  assert.is(files(text, "exit").some((e) => e.path.includes("netgen-bond-")), false, "the bridge end has no monitor");
});

test("balance-rr: both ends are bonds, both get it", () => {
  const text = withMonitor("{ interval: 100ms, missed: 1 }").replace("strategy: failover", "strategy: balance-rr").replace(", primary: true", "");
  for (const host of ["gw", "exit"]) assert.ok(files(text, host).some((e) => e.path === UNIT), host);
});

test("systemd 256: ARPMissedMax= in the bond's .netdev, no unit; without missed, neither", () => {
  const text = withMonitor("{ interval: 100ms, missed: 3 }", 256);
  assert.match(content(text, NETDEV)!, /^ARPMissedMax=3$/m);
  assert.is(content(text, UNIT), undefined);
  const plain = withMonitor("{ interval: 100ms }", 256);
  assert.not.match(content(plain, NETDEV)!, /ARPMissedMax/);
  assert.is(content(plain, UNIT), undefined);
});

test("the lab's control (the write-up's layout) runs without netgen's arp_missed_max", () => {
  for (const systemd of [252, 256]) {
    const inventory = validateText("m.yaml", withMonitor("{ interval: 100ms, missed: 1 }", systemd));
    const control = writeUpLayout(renderHosts(inventory), inventory.bundles[0]!, "gw");
    const all = control.flatMap((h) => h.entries);
    assert.is(all.some((e) => e.path.includes("netgen-bond-b1")), false, `systemd ${systemd}: the unit is left out`);
    assert.is(all.some((e) => e.kind === "file" && /ARPMissedMax/.test(e.content)), false, `systemd ${systemd}: the directive is left out`);
  }
});

test.run();
