// Commands for the lab, in this namespace or inside a lab host's.
import { execFileSync } from "node:child_process";

export const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
export const inNs = (ns: string, cmd: string, args: string[]) => sh("ip", ["netns", "exec", ns, cmd, ...args]);
