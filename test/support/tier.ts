// Tests that need root, a kernel feature or a package. On a laptop they skip,
// loudly; under CI=true a skip is a failure.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

export const SKIP_MARK = "NETGEN-TEST-SKIPPED";

/** True when the tier can run; otherwise prints why (and throws under CI). */
export function tierAvailable(tier: string, checks: { what: string; ok: () => boolean }[]): boolean {
  const missing = checks.filter((c) => {
    try {
      return !c.ok();
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return true;
  const why = missing.map((c) => c.what).join(", ");
  if (process.env.CI === "true") throw new Error(`${tier}: cannot run under CI: missing ${why}`);
  process.stderr.write(`\n${SKIP_MARK}: ${tier}: missing ${why}\n`);
  return false;
}

/** What the lab VM needs (src/lab/vm.ts): qemu, a distribution kernel, busybox and cpio for its initramfs. */
export const labVm = [
  command("qemu-system-x86_64"),
  command("cpio"),
  { what: "a distribution kernel in /boot", ok: () => existsSync("/boot") && readdirSync("/boot").some((f) => f.startsWith("vmlinuz-")) },
  { what: "busybox", ok: () => existsSync("/bin/busybox") },
];

export const isRoot = { what: "root", ok: () => process.getuid?.() === 0 };

export function command(name: string): { what: string; ok: () => boolean } {
  return { what: `the ${name} command`, ok: () => (execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "pipe" }).length > 0) };
}

export function file(path: string): { what: string; ok: () => boolean } {
  return { what: path, ok: () => execFileSync("sh", ["-c", `test -e '${path}' && echo y`], { stdio: "pipe" }).length > 0 };
}
