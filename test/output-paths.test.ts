// render -o as a careless operator gives it: a trailing slash, `.`, nothing,
// a file or a FIFO where netgen expects a folder or its manifest, a umask of
// 077. Either the tree is written and --check agrees with it, or exit 1 with a
// message, no stack trace, and the working folder exactly as it was.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CLI, netgen } from "./support/cli.js";

const REPO = process.cwd();
const inventory = "inventories/prod.yaml";

/** Every path below `dir` with its type and content or mode: what "nothing changed" compares. */
function snapshot(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) => {
    const rel = join(prefix, d.name);
    if (d.isDirectory()) return [`${rel}/`, ...snapshot(dir, rel)];
    if (d.isFile()) return [`${rel} ${readFileSync(join(dir, rel), "utf8").length} ${(statSync(join(dir, rel)).mode & 0o777).toString(8)}`];
    return [`${rel} (${d.isFIFO() ? "fifo" : "other"})`];
  });
}

interface Case {
  name: string;
  /** Made in the working folder before netgen runs. */
  setup?: (work: string) => void;
  args: string[];
  /** A folder written, where --check must then agree; or the message of exit 1. */
  expect: { folder: string } | RegExp;
  umask?: string;
}

const fifo = (path: string) => (work: string) => {
  mkdirSync(join(work, path, ".."), { recursive: true });
  execFileSync("mkfifo", [join(work, path)]);
};

const CASES: Case[] = [
  { name: "trailing slash", args: ["-o", "out/"], expect: { folder: "out" } },
  { name: "trailing /.", args: ["-o", "out/."], expect: { folder: "out" } },
  { name: "./ in front and slashes doubled", args: ["-o", ".//deep//out//"], expect: { folder: "deep/out" } },
  { name: "default folder", args: [], expect: { folder: "generated/prod" } },
  { name: "under umask 077 the modes are the manifest's", umask: "077", args: ["-o", "out"], expect: { folder: "out" } },
  { name: "empty -o", args: ["-o", ""], expect: /-o: give the output folder's path/ },
  { name: "-o .", args: ["-o", "."], expect: /that is the working folder/ },
  { name: "-o ..", args: ["-o", ".."], expect: /the working folder or a folder above it/ },
  { name: "-o a file", setup: (w) => writeFileSync(join(w, "out"), "mine\n"), args: ["-o", "out"], expect: /out exists and is not a folder/ },
  { name: "-o a folder below a file", setup: (w) => writeFileSync(join(w, "out"), "mine\n"), args: ["-o", "out/sub/"], expect: /out is a file, not a folder/ },
  { name: "a FIFO as the manifest", setup: fifo("out/.netgen-render.json"), args: ["-o", "out"], expect: /out\/.netgen-render.json is not a regular file/ },
  { name: "a FIFO as the default folder's manifest", setup: fifo("generated/prod/.netgen-render.json"), args: [], expect: /is not a regular file/ },
  { name: "a folder as the manifest", setup: (w) => mkdirSync(join(w, "out/.netgen-render.json"), { recursive: true }), args: ["-o", "out"], expect: /is not a regular file/ },
  { name: "a foreign folder", setup: (w) => (mkdirSync(join(w, "out")), writeFileSync(join(w, "out/notes"), "x")), args: ["-o", "out"], expect: /not empty and was not written by netgen|out\/notes: not in the inventory/ },
];

function run(args: string[], work: string, umask?: string) {
  if (umask === undefined) return netgen(args, work, {}, 30000);
  const r = spawnSync("sh", ["-c", `umask ${umask} && exec "$0" "$@"`, process.execPath, CLI, ...args], { cwd: work, encoding: "utf8", timeout: 30000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

for (const c of CASES) {
  test(c.name, () => {
    const work = mkdtempSync(join(tmpdir(), "netgen-out-"));
    try {
      mkdirSync(join(work, "inventories"));
      cpSync(join(REPO, inventory), join(work, inventory));
      c.setup?.(work);
      const before = snapshot(work);
      for (const check of [false, true]) {
        const args = ["render", inventory, ...c.args, ...(check ? ["--check"] : [])];
        const r = run(args, work, c.umask);
        assert.not.match(r.stderr, /internal error|\n\s+at /, `a stack trace: ${r.stderr}`);
        if (c.expect instanceof RegExp) {
          assert.is(r.code, 1, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
          assert.match(r.stdout + r.stderr, c.expect);
          assert.equal(snapshot(work), before, "the working folder changed");
          continue;
        }
        assert.is(r.code, 0, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
        if (!check) assert.match(r.stdout, new RegExp(`-> ${c.expect.folder}/\\n`));
      }
      if (c.expect instanceof RegExp) return;
      const folder = join(work, c.expect.folder);
      assert.ok(existsSync(join(folder, ".netgen-render.json")));
      const manifest = JSON.parse(readFileSync(join(folder, ".netgen-render.json"), "utf8")) as { hosts: Record<string, { files: Record<string, { mode?: string }> }> };
      for (const [host, { files }] of Object.entries(manifest.hosts)) {
        for (const [path, entry] of Object.entries(files)) {
          if (entry.mode !== undefined) assert.is((statSync(join(folder, host, path)).mode & 0o7777).toString(8).padStart(4, "0"), entry.mode, `${host}/${path}`);
        }
      }
      // Nothing beside the folder: no staging or retired copies, no folder inside it named after it.
      const parent = join(folder, "..");
      assert.equal(readdirSync(parent).filter((n) => n.includes(".netgen-")), []);
      assert.not.ok(existsSync(join(folder, "out")));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

test.run();
