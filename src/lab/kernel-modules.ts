// Whether this machine's kernel has modules the lab needs (bonding, ip_gre, ...):
// loadable (modprobe -n) or built in / already loaded (/sys/module). Without
// them the lab, and the test tiers that start hosts here, go to the VM.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export function kernelHas(modules: string[]): boolean {
  return modules.every((m) => {
    try {
      execFileSync("modprobe", ["-n", "-q", m], { stdio: "ignore" });
      return true;
    } catch {
      return existsSync(`/sys/module/${m}`);
    }
  });
}
