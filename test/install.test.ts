// Installing netgen as the README says, into a private prefix (never the real
// global one), then running it from a folder outside the clone: from a packed
// tarball, and linked from a checkout. Neither asks the registry for a package
// called netgen: the install spec is a file path. (Dependencies come from the
// npm cache that `npm ci` filled, or the registry.)
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleIsCurrent } from "./support/cli.js";

const REPO = process.cwd();
let work = "";
test.before.each(() => void (work = mkdtempSync(join(tmpdir(), "netgen-install-"))));
test.after.each(() => rmSync(work, { recursive: true, force: true }));

const QUIET_NPM = { npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 300000, env: { ...process.env, ...QUIET_NPM, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** An infrastructure repository of the user's, away from the clone, with netgen found on PATH only. */
function useFromElsewhere(prefix: string): void {
  const infra = join(work, "infra");
  mkdirSync(join(infra, "inventories"), { recursive: true });
  cpSync(join(REPO, "inventories/prod.yaml"), join(infra, "inventories/prod.yaml"));
  const env = { PATH: `${join(prefix, "bin")}${delimiter}${process.env.PATH ?? ""}` };
  const which = run("sh", ["-c", "command -v netgen"], infra, env);
  assert.is(which.stdout.trim(), join(prefix, "bin/netgen"), "netgen on PATH is the one just installed");

  const help = run("netgen", ["--help"], infra, env);
  assert.is(help.code, 0, help.stderr);
  for (const command of ["validate", "render", "push", "graph", "init"]) assert.match(help.stdout, new RegExp(`netgen ${command}\\b`));
  // --version reads package.json beside the installed files, not the clone's.
  const version = run("netgen", ["--version"], infra, env);
  assert.is(version.code, 0, version.stderr);
  assert.is(version.stdout, `${(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version}\n`);
  const valid = run("netgen", ["validate", "inventories/prod.yaml"], infra, env);
  assert.is(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /inventories\/prod.yaml: valid: 4 hosts, 2 bundles/);
  // render reads templates/ at run time, graph loads Graphviz's WebAssembly: both must have come along.
  const rendered = run("netgen", ["render", "inventories/prod.yaml"], infra, env);
  assert.is(rendered.code, 0, rendered.stderr);
  assert.ok(existsSync(join(infra, "generated/prod/fo-gw/etc/systemd/network/10-netgen-bond-15-16.netdev")));
  const drawn = run("netgen", ["graph", "inventories/prod.yaml", "-o", "prod.svg"], infra, env);
  assert.is(drawn.code, 0, drawn.stderr);
  assert.ok(existsSync(join(infra, "prod.svg")));
}

test("npm pack, then npm install -g --prefix DIR ./netgen-VERSION.tgz: netgen runs from another folder", () => {
  bundleIsCurrent(); // what is packed below is the bundle as built
  // The build just ran; --ignore-scripts skips prepare's second one.
  const packed = run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], REPO);
  assert.is(packed.code, 0, packed.stderr);
  const tarball = readdirSync(work).find((f) => /^netgen-\d+\.\d+\.\d+\.tgz$/.test(f));
  assert.ok(tarball, `a tarball in ${readdirSync(work).join(", ")}`);
  const listing = run("tar", ["-tzf", join(work, tarball!)], work).stdout.split("\n");
  const needed = ["dist/src/netgen.js", "dist/src/render/templates.js", "templates/network.hbs", "agent/netgen-host", "agent/netgen-guard.service"];
  for (const file of needed.map((f) => `package/${f}`)) {
    assert.ok(listing.includes(file), `${file} in the tarball`);
  }
  const unwanted = ["package/dist/test/", "package/src/", "package/generated/"];
  assert.not.ok(listing.some((f) => unwanted.some((u) => f.startsWith(u))), "no tests, sources or rendered trees");

  const prefix = join(work, "prefix");
  const installed = run("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", join(work, tarball!)], work);
  assert.is(installed.code, 0, installed.stderr);
  assert.ok(existsSync(join(prefix, "lib/node_modules/netgen/templates/network.hbs")));
  useFromElsewhere(prefix);

  // Or pinned in the infrastructure repository itself: npx then finds the local bin and asks no registry.
  const infra = join(work, "infra");
  assert.is(run("npm", ["init", "-y"], infra).code, 0);
  const dev = run("npm", ["install", "--save-dev", "--prefer-offline", join(work, tarball!)], infra);
  assert.is(dev.code, 0, dev.stderr);
  const npx = run("npx", ["--no-install", "netgen", "validate", "inventories/prod.yaml"], infra);
  assert.is(npx.code, 0, npx.stderr);
  assert.match(npx.stdout, /valid: 4 hosts/);
});

test("from a checkout: npm install -g --prefix DIR /path/to/clone links it; netgen runs from another folder", () => {
  const prefix = join(work, "prefix");
  // A folder spec is linked, not copied: the clone's dist/ and node_modules/ are used as they are.
  // A user's install runs prepare (the build) in the clone; here the build just ran, and a second
  // one would rewrite dist/ under the tests running beside this file (test/run.ts's lanes).
  bundleIsCurrent();
  const installed = run("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--ignore-scripts", REPO], work);
  assert.is(installed.code, 0, installed.stderr);
  assert.is(realpathSync(join(prefix, "lib/node_modules/netgen")), realpathSync(REPO));
  useFromElsewhere(prefix);
});

test.run();
