// Path devices are named from the path, not its position: removing or
// reordering one path leaves every other path's files byte for byte, and a
// file that lists every path changes only by the removed one's lines.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderedFiles } from "./support/rendered-files.js";
import { InventoryError } from "../src/errors.js";
import { tunnelName } from "../src/plan/names.js";
import { validateText } from "../src/pipeline/pipeline.js";

const HOSTS = `netgen: 1
hosts:
  gw:
    uplinks:
      up1: { address: 10.0.1.2/24, gateway: 10.0.1.1 }
      up2: { address: 10.0.2.2/24, gateway: 10.0.2.1 }
      up3: { address: 10.0.3.2/24, gateway: 10.0.3.1 }
  exit:
    uplinks:
      up1: { address: 10.0.1.3/24 }
      up2: { address: 10.0.2.3/24 }
      up3: { address: 10.0.3.3/24 }
      inet0: { dhcp: true, masquerade: true }
bundles:
`;

// fo's paths 1 and 3 share their outer addresses with rr's: those four tunnels
// have GRE keys, which must not depend on any path's position either.
const rr = `  rr:
    strategy: balance-rr
    ends:
      gw: { address: 10.43.0.1/24, routes: [10.99.0.0/16] }
      exit: { address: 10.43.0.2/24 }
    paths:
      - { gw: up3, exit: up3 }
      - { gw: up1, exit: up1 }
`;

const PATHS = ["      - { gw: up1, exit: up1, primary: true, name: fib }\n", "      - { gw: up2, exit: up2 }\n", "      - { gw: up3, exit: up3 }\n"];

function inventory(order: number[]): string {
  const fo = `  fo:
    strategy: failover
    ends:
      gw: { address: 10.42.0.1/24, default_route: true }
      exit: { address: 10.42.0.2/24 }
    paths:
${order.map((i) => PATHS[i]).join("")}`;
  return HOSTS + fo + rr;
}

let work = "";
test.before(() => void (work = mkdtempSync(join(tmpdir(), "netgen-path-names-"))));
test.after(() => rmSync(work, { recursive: true, force: true }));

const render = (variant: string, text: string) => renderedFiles(join(work, variant), text);

/** The tunnel device of fo's path over `uplink`, read from the rendered netdevs. */
function tunnelOver(files: Map<string, string>, uplink: string): string {
  const [, content] = [...files].find(([path, c]) => path.startsWith("gw/") && path.endsWith(".netdev") && /^Kind=gretap$/m.test(c) && c.includes(`Description=path`) && c.includes(` of fo: ${uplink} to`))!;
  return /^Name=(.*)$/m.exec(content)![1]!;
}

test("removing path 2 of 3 changes no other path's files; lists lose only path 2's lines", () => {
  const full = render("full", inventory([0, 1, 2]));
  const removed = render("removed", inventory([0, 2]));
  const gone = tunnelOver(full, "up2");
  assert.is(tunnelOver(removed, "up1"), "fo-fib", "a named path's tunnel is <bundle>-<name>");
  assert.is(tunnelOver(removed, "up3"), tunnelOver(full, "up3"));
  let unchanged = 0;
  let shortened = 0;
  for (const [path, before] of full) {
    let after = removed.get(path);
    if (path.endsWith("/etc/systemd/system/netgen-metrics.service")) {
      // The metrics unit carries its script's hash so that a changed script restarts it: that
      // line must change with the script (checked on the script itself); the rest may not.
      const hashLine = /^# \/etc\/netgen\/metrics\.sh sha256 [0-9a-f]{64}$/m;
      assert.ok(hashLine.test(before) && after !== undefined && hashLine.test(after), `${path}: the script's hash line`);
      assert.is.not(hashLine.exec(after!)![0], hashLine.exec(before)![0], `${path}: the hash follows the script`);
      after = after!.replace(hashLine, hashLine.exec(before)![0]);
    }
    if (path.includes(gone)) {
      assert.is(after, undefined, `${path}: path 2's own file is gone`);
    } else if (after === before) {
      unchanged++;
    } else {
      // A file listing every path (an uplink's Tunnel= lines, the sysctls): only path 2's lines go.
      assert.ok(after !== undefined, `${path} disappeared`);
      const kept = after.split("\n");
      const dropped = before.split("\n").filter((line) => !kept.includes(line));
      assert.equal(before.split("\n").filter((line) => !dropped.includes(line)), kept, `${path}: lines only removed, none rewritten`);
      for (const line of dropped) assert.ok(line.includes(gone) || line.includes("up2"), `${path}: '${line}' is not path 2's`);
      shortened++;
    }
  }
  for (const path of removed.keys()) assert.ok(full.has(path), `${path}: new file`);
  assert.ok(unchanged > 20 && shortened > 0, `${unchanged} unchanged, ${shortened} shortened`);
  for (const t of ["fo-fib", tunnelOver(full, "up3")]) {
    for (const host of ["gw", "exit"]) {
      for (const ext of ["netdev", "network"]) {
        const path = `${host}/etc/systemd/network/10-netgen-${t}.${ext}`;
        assert.ok(full.has(path), path);
        assert.is(removed.get(path), full.get(path), `${path} byte-identical`);
      }
    }
  }
});

test("reordering the paths changes no file at all", () => {
  const full = render("full", inventory([0, 1, 2]));
  for (const order of [[2, 0, 1], [1, 2, 0], [2, 1, 0]]) {
    const reordered = render(`order-${order.join("")}`, inventory(order));
    assert.equal([...reordered.keys()].sort(), [...full.keys()].sort());
    for (const [path, content] of full) assert.is(reordered.get(path), content, `${path} after reordering to ${order.join(",")}`);
  }
});

test("tunnel names: named paths <bundle>-<name>, others a hash of their uplinks that fits 15 characters", () => {
  const files = render("names", inventory([0, 1, 2]));
  const names = [...files.values()].flatMap((c) => [...c.matchAll(/^Name=(.*)$/gm)].map((m) => m[1]!));
  const tunnels = [...new Set(names.filter((n) => /^(fo|rr)-/.test(n)))].sort();
  assert.is(tunnels.length, 5, tunnels.join(" "));
  assert.ok(tunnels.includes("fo-fib"));
  for (const t of tunnels) assert.match(t, /^(fo|rr)-([a-z0-9]{4}|fib)$/);
  const keys = [...files.values()].flatMap((c) => [...c.matchAll(/^Key=(\d+)$/gm)].map((m) => Number(m[1])));
  assert.is(keys.length, 8, "the 4 tunnels over shared outer addresses keyed on both ends");
  assert.is(new Set(keys).size, 4, "two ends of a tunnel share its key, no two tunnels do");
});

const problems = (text: string): string[] => {
  try {
    validateText("inventory.yaml", text);
    return [];
  } catch (error) {
    if (error instanceof InventoryError) return error.problems.map((p) => `${p.line}: ${p.message} | ${p.hint ?? ""}`);
    throw error;
  }
};

test("two paths of a bundle with one name: an error at the second, naming both", () => {
  const text = inventory([0, 1, 2]).replace("{ gw: up2, exit: up2 }", "{ gw: up2, exit: up2, name: fib }");
  const found = problems(text);
  assert.equal(found.filter((p) => /named 'fib'/.test(p)), ["22: paths 1 and 2 of fo are both named 'fib' | give each path a name of its own: it names the path's devices"]);
  assert.not.ok(found.some((p) => /two devices named/.test(p)), found.join("\n"));
});

test("a bad path name is refused by the schema", () => {
  const found = problems(inventory([0, 1, 2]).replace("name: fib", "name: Fibre-1"));
  assert.ok(found.some((p) => /^21: 'Fibre-1' is not a valid path name/.test(p)), found.join("\n"));
});

test("a named path whose tunnel name is too long: reported at the name", () => {
  const text = inventory([0, 1, 2]).replace(/\bfo\b/g, "longbundle").replace("name: fib", "name: backup");
  const found = problems(text);
  assert.ok(found.some((p) => /^21: the gretap device 'longbundle-backup' \(17 characters\) is too long/.test(p)), found.join("\n"));
});

test("two unnamed paths whose hashed tunnel names meet: an error that says to name one", () => {
  // A 12-character bundle leaves 2 characters of hash: find two uplink pairs that meet there.
  const seen = new Map<string, string>();
  let pair: [string, string] | undefined;
  for (let i = 1; pair === undefined; i++) {
    const name = tunnelName("twelve-chars", { index: 0, uplinks: new Map([["gw", `up${i}`], ["exit", `up${i}`]]), primary: false });
    const first = seen.get(name);
    if (first !== undefined) pair = [first, `up${i}`];
    seen.set(name, `up${i}`);
  }
  const [a, b] = pair;
  const text = `netgen: 1
hosts:
  gw:
    uplinks:
      ${a}: { address: 10.0.1.2/24 }
      ${b}: { address: 10.0.2.2/24 }
  exit:
    uplinks:
      ${a}: { address: 10.0.1.3/24 }
      ${b}: { address: 10.0.2.3/24 }
bundles:
  twelve-chars:
    strategy: balance-rr
    ends:
      gw: { address: 10.42.0.1/24 }
      exit: { address: 10.42.0.2/24 }
    paths:
      - { gw: ${a}, exit: ${a} }
      - { gw: ${b}, exit: ${b} }
`;
  const found = problems(text);
  assert.equal(found.length, 1, found.join("\n"));
  assert.match(found[0]!, /^19: paths 1 and 2 of twelve-chars would both have the tunnel twelve-chars-[a-z0-9]{2} \| give path 2 a name/);
  assert.equal(problems(text.replace(`- { gw: ${b}, exit: ${b} }`, `- { gw: ${b}, exit: ${b}, name: b }`)), []);
});

test.run();
