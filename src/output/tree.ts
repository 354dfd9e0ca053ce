// Writing a rendered inventory to disk: generated/<inventory>/<host>/etc/...
// Built beside the target and swapped in by rename, so an interrupted render
// leaves the previous tree, and stale files of a host disappear with it.
import { chmodSync, closeSync, constants, existsSync, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, relative, resolve, sep } from "node:path";
import { ExitError } from "../errors.js";
import type { HostFiles } from "../render/file-set.js";
import { hostManifest, MANIFEST, type Manifest, manifestText } from "./manifest.js";

export interface RenderedTree {
  inventory: string;
  inventorySha256: string;
  hosts: HostFiles[];
  /** With --limit: the other hosts stay as they are on disk. */
  partial: boolean;
}

/**
 * The output folder as given with -o, checked before anything is read or
 * written: `out/`, `out/.` and `./out` all mean `out` (the staging folder is
 * made beside it by appending to the name), and a folder netgen cannot swap
 * whole (the working folder or one above it) or a path through a file is refused.
 */
export function outputFolder(given: string): string {
  if (given.trim() === "") throw new ExitError("-o: give the output folder's path, e.g. -o generated/prod");
  const folder = normalize(given).replace(/(.)\/+$/, "$1");
  const fromHere = relative(resolve(folder), process.cwd());
  if (fromHere !== ".." && !fromHere.startsWith(`..${sep}`)) {
    throw new ExitError(`-o ${given}: that is the working folder${fromHere === "" ? "" : " or a folder above it"}; netgen replaces its output folder whole, so give it a folder of its own, e.g. -o generated/prod`);
  }
  for (let up = dirname(folder); ; up = dirname(up)) {
    if (existsSync(up) && !statSync(up).isDirectory()) throw new ExitError(`-o ${given}: ${up} is a file, not a folder: choose another output with -o`);
    if (dirname(up) === up) break;
  }
  checkFolder(folder);
  return folder;
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function checkFolder(outDir: string): void {
  const stat = lstatOrUndefined(outDir);
  if (stat !== undefined && !stat.isDirectory()) throw new ExitError(`${outDir} exists and is not a folder: choose another output with -o`);
}

/**
 * A file netgen wrote, or undefined when there is none. Opened without
 * blocking and checked to be a regular file: a FIFO planted in its place
 * would hang the read forever.
 */
function readOwnFile(path: string, outDir: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ExitError(`${path} cannot be read (${code}): remove ${outDir} and render again`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new ExitError(`${path} is not a regular file: remove it (or ${outDir}) and render again`);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

export function readManifest(outDir: string): Manifest | undefined {
  const path = join(outDir, MANIFEST);
  const text = readOwnFile(path, outDir);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Manifest;
  } catch {
    throw new ExitError(`${path} is not valid JSON: remove ${outDir} and render again`);
  }
}

/** The manifest the tree will have after this render. */
export function nextManifest(outDir: string, tree: RenderedTree): Manifest {
  const previous = tree.partial ? readManifest(outDir) : undefined;
  const hosts = { ...(previous?.hosts ?? {}) };
  for (const h of tree.hosts) hosts[h.host] = hostManifest(h, tree.inventorySha256);
  return { netgen: 1, inventory: tree.inventory, hosts };
}

function refuseForeign(outDir: string): void {
  checkFolder(outDir);
  if (!existsSync(outDir)) return;
  if (readdirSync(outDir).length > 0 && lstatOrUndefined(join(outDir, MANIFEST)) === undefined) {
    throw new ExitError(`${outDir} is not empty and was not written by netgen (no ${MANIFEST}); netgen replaces its output folder whole, so it will not write there. Choose another folder with -o.`);
  }
}

/** What diffTree learnt that writeTree can use instead of doing it again. */
export interface Comparison {
  /**
   * Files of the current tree found identical to what is rendered (content
   * and mode). They are hard-linked into the staging tree instead of written
   * again: a re-render of 10,000 hosts where three changed otherwise rewrites
   * (and then deletes) every file.
   */
  unchanged: Set<string>;
  /** The manifest this render writes: 260,000 files at 10,000 hosts, worth building once. */
  manifest?: string;
}

type WriteFile = (path: string, content: string | Buffer, mode: number) => void;

function writeHost(dir: string, files: HostFiles, current: string, unchanged: ReadonlySet<string>, writeFile: WriteFile): void {
  const made = new Set<string>();
  for (const e of files.entries) {
    const path = join(dir, e.path);
    const parent = dirname(path);
    if (!made.has(parent)) mkdirSync(parent, { recursive: true }), made.add(parent);
    const old = join(current, e.path);
    if (e.kind === "link") symlinkSync(e.target, path);
    else if (!(unchanged.has(old) && linked(old, path))) writeFile(path, e.content, e.mode);
  }
}

/** A hard link where the file system allows one (not across devices, not on every file system). */
function linked(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a new file with the mode the manifest records, whatever the umask
 * (077 would make it 0600 and --check fail). open() creates it with
 * mode & ~umask: when the umask clears none of the mode's bits (022 with 0644
 * or 0755, the usual case) that already is the mode, and the chmod, one more
 * system call per file, is left out. The umask is read once per render.
 */
function fileWriter(): WriteFile {
  const umask = process.umask();
  return (path, content, mode) => {
    writeFileSync(path, content, { mode, flag: "wx" });
    if ((mode & umask) !== 0) chmodSync(path, mode);
  };
}

/** The first folder of `path` that does not exist yet: removed again if the render fails. */
function firstMissing(path: string): string | undefined {
  let missing: string | undefined;
  for (let up = resolve(path); !existsSync(up); up = dirname(up)) missing = up;
  return missing;
}

/** `known`: what diffTree found on this same tree, so that it is not looked up twice. */
export function writeTree(given: string, tree: RenderedTree, known: Comparison = { unchanged: new Set() }): void {
  const outDir = outputFolder(given);
  refuseForeign(outDir);
  const manifest = known.manifest ?? manifestText(nextManifest(outDir, tree));
  const writeFile = fileWriter();
  const staging = `${outDir}.netgen-new-${process.pid}`;
  const retired = `${outDir}.netgen-old-${process.pid}`;
  const made = firstMissing(dirname(outDir));
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging, { recursive: true });
    if (tree.partial && existsSync(outDir)) {
      // Keep every host folder that is not re-rendered, as it is.
      const rendered = new Set(tree.hosts.map((h) => h.host));
      for (const name of readdirSync(outDir)) {
        if (name !== MANIFEST && !rendered.has(name)) copyHostFolder(join(outDir, name), join(staging, name), writeFile);
      }
    }
    for (const h of tree.hosts) writeHost(join(staging, h.host), h, join(outDir, h.host), known.unchanged, writeFile);
    writeFile(join(staging, MANIFEST), manifest, 0o644);
    if (existsSync(outDir)) renameSync(outDir, retired);
    renameSync(staging, outDir);
    rmSync(retired, { recursive: true, force: true });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(outDir) && existsSync(retired)) renameSync(retired, outDir);
    if (made !== undefined && !existsSync(outDir)) rmSync(made, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EROFS" || code === "ENOSPC" || code === "EDQUOT" || code === "EPERM") {
      throw new ExitError(`cannot write ${outDir} (${code}: ${(error as Error).message}); nothing was changed. Choose another output with -o or free the disk.`);
    }
    throw error;
  }
}

/** Copy a host folder (files and symlinks, never following a link) into the staging tree. */
function copyHostFolder(from: string, to: string, writeFile: WriteFile): void {
  const stat = lstatSync(from);
  if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (stat.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) copyHostFolder(join(from, name), join(to, name), writeFile);
  } else if (stat.isFile()) writeFile(to, readFileSync(from), stat.mode & 0o7777);
  else throw new ExitError(`${from} is not a file, folder or link netgen wrote: remove it and render again`);
}

/**
 * Differences between the tree on disk and what render would write (for --check).
 * `found`, when given, collects what writeTree can use: the files found
 * identical, and the manifest.
 */
export function diffTree(given: string, tree: RenderedTree, found?: Comparison): string[] {
  const outDir = outputFolder(given);
  const differences: string[] = [];
  const manifest = manifestText(nextManifest(outDir, tree));
  if (found) found.manifest = manifest;
  // Asked once: in a fresh folder no host folder exists, nor needs asking about.
  const outExists = existsSync(outDir);
  const onDiskManifest = readOwnFile(join(outDir, MANIFEST), outDir);
  if (onDiskManifest !== manifest) differences.push(`${join(outDir, MANIFEST)}: ${onDiskManifest === undefined ? "missing" : "differs"}`);
  for (const h of tree.hosts) {
    const dir = join(outDir, h.host);
    if (!outExists || !existsSync(dir)) {
      // A new host: every file is missing, no need to ask the disk about each.
      for (const e of h.entries) differences.push(`${join(dir, e.path)}: missing`);
      continue;
    }
    const expected = new Set(h.entries.map((e) => e.path));
    for (const e of h.entries) {
      const path = join(dir, e.path);
      const stat = lstatSync(path, { throwIfNoEntry: false }); // one call: a dangling link is there too
      if (stat === undefined) differences.push(`${path}: missing`);
      else if (e.kind === "link") {
        if (!stat.isSymbolicLink() || readlinkSync(path) !== e.target) differences.push(`${path}: should be a link to ${e.target}`);
      } else if (!stat.isFile() || readFileSync(path, "utf8") !== e.content) differences.push(`${path}: differs`);
      else if ((stat.mode & 0o7777) !== e.mode) differences.push(`${path}: mode ${(stat.mode & 0o7777).toString(8)}, should be ${e.mode.toString(8)}`);
      else found?.unchanged.add(path);
    }
    for (const path of listTree(dir)) if (!expected.has(path)) differences.push(`${join(dir, path)}: not rendered any more (stale)`);
  }
  if (!tree.partial && outExists) {
    const hosts = new Set(tree.hosts.map((h) => h.host));
    for (const name of readdirSync(outDir)) if (name !== MANIFEST && !hosts.has(name)) differences.push(`${join(outDir, name)}: not in the inventory (stale)`);
  }
  return differences;
}

/** Every file and symlink below `dir`, as paths relative to it (symlinked folders are not followed). */
export function listTree(dir: string, prefix = ""): string[] {
  if (!lstatOrUndefined(dir)?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const rel = prefix === "" ? d.name : `${prefix}/${d.name}`;
    return d.isDirectory() ? listTree(join(dir, d.name), rel) : [rel];
  });
}
