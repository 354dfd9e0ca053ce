// A host's release: exactly the files of the reviewed tree under
// generated/<inventory>/<host>/, checked against the render manifest (a tree
// edited after render, or holding anything netgen does not write, is refused).
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { ExitError } from "../errors.js";
import type { Manifest } from "../output/manifest.js";
import { listTree } from "../output/tree.js";

export interface ReleaseEntry {
  path: string;
  kind: "f" | "l";
  mode: string; // octal, files only
  sha256: string; // files only
  content?: Buffer;
  target?: string;
}

export interface Release {
  host: string;
  id: string;
  entries: ReleaseEntry[];
  /** The manifest as the agent reads it: kind, mode|target, sha256|-, path. */
  manifest: string;
}

/** Where netgen may write on a host, and nothing else. */
const OWNED = [
  /^etc\/systemd\/network\/10-netgen-[A-Za-z0-9_.-]+\.(netdev|network)$/,
  /^etc\/systemd\/system\/netgen-[A-Za-z0-9_.-]+\.service$/,
  /^etc\/systemd\/system\/[A-Za-z0-9_.\\-]+\.(device|target)\.wants\/netgen-[A-Za-z0-9_.-]+\.service$/,
  // Started with nftables.service, whose "flush ruleset" empties netgen's table (firewall-view.ts).
  /^etc\/systemd\/system\/nftables\.service\.wants\/netgen-firewall\.service$/,
  /^etc\/netgen\/[A-Za-z0-9_.-]+$/,
  /^etc\/modules-load\.d\/netgen\.conf$/,
  /^etc\/modprobe\.d\/netgen\.conf$/,
  /^etc\/sysctl\.d\/60-netgen\.conf$/,
];

export function ownedPath(path: string): boolean {
  // The agent's owned() (agent/netgen-host) holds the same rules: test/agent.test.ts checks both agree.
  return !path.split("/").some((part) => part === "." || part === "..") && OWNED.some((re) => re.test(path));
}

export function readRelease(outDir: string, host: string, manifest: Manifest): Release {
  const expected = manifest.hosts[host];
  const dir = join(outDir, host);
  if (expected === undefined || !existsSync(dir)) throw new ExitError(`${host} is not in ${outDir}: render it first (netgen render ${manifest.inventory})`);
  if (lstatSync(dir).isSymbolicLink()) throw new ExitError(`${dir} is a symbolic link, not the folder netgen rendered: render again (netgen render ${manifest.inventory})`);
  const problems: string[] = [];
  const entries: ReleaseEntry[] = [];
  const onDisk = listTree(dir);
  for (const path of onDisk) {
    const full = join(dir, path);
    const want = expected.files[path];
    const stat = lstatSync(full);
    if (!ownedPath(path)) problems.push(`${full}: not a path netgen writes`);
    else if (want === undefined) problems.push(`${full}: not rendered by netgen (added after render)`);
    else if ("link" in want) {
      if (!stat.isSymbolicLink() || readlinkSync(full) !== want.link || want.link.includes("/") && !/^\.\.\/netgen-[A-Za-z0-9_.-]+\.service$/.test(want.link)) problems.push(`${full}: should be a link to ${want.link}`);
      else entries.push({ path, kind: "l", mode: "-", sha256: "-", target: want.link });
    } else if (!stat.isFile()) problems.push(`${full}: should be a regular file`);
    else {
      const content = readFileSync(full);
      const sha256 = createHash("sha256").update(content).digest("hex");
      if (sha256 !== want.sha256) problems.push(`${full}: edited after render`);
      else entries.push({ path, kind: "f", mode: want.mode, sha256, content });
    }
  }
  for (const path of Object.keys(expected.files)) if (!onDisk.includes(path)) problems.push(`${join(dir, path)}: missing`);
  if (problems.length > 0) {
    throw new ExitError(`${host}: the generated tree is not what netgen rendered:\n  ${problems.join("\n  ")}\nrender it again (netgen render ${manifest.inventory}) and review the result`);
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : 1));
  const text = entries.map((e) => (e.kind === "f" ? `f\t${e.mode}\t${e.sha256}\t${e.path}` : `l\t${e.target}\t-\t${e.path}`)).join("\n") + "\n";
  return { host, id: createHash("sha256").update(text).digest("hex").slice(0, 12), entries, manifest: text };
}
