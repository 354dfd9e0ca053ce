// teql in the lab: several hosts share one kernel, whose equalizers are global.
import type { HostFiles } from "../render/file-set.js";
import { ip, run } from "./namespaces.js";
import type { LabHost } from "./topology.js";

/** The equalizer ids a host's files attach members to ([TrivialLinkEqualizer] Id=N). */
function teqlIds(hostFiles: HostFiles): number[] {
  const ids = new Set<number>();
  for (const e of hostFiles.entries) {
    if (e.kind === "file" && e.path.endsWith(".network")) for (const m of e.content.matchAll(/^\[TrivialLinkEqualizer\][^[]*?^Id=(\d+)$/gm)) ids.add(Number(m[1]));
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * sch_teql's equalizers are global to the kernel: qdisc kind "teqlN" feeds
 * device teqlN wherever it is. Two lab hosts that both use teql0 would share
 * one, so the lab numbers every host's equalizers apart (deviceb's teql0 runs
 * as teql1), reloads sch_teql with one device each, and moves each device into
 * its host's namespace. A real host has its own kernel and keeps its ids.
 */
export function separateEqualizers(files: HostFiles[]): { files: HostFiles[]; owners: string[] } {
  const owners: string[] = [];
  const renumbered = files.map((f) => {
    const map = new Map(teqlIds(f).map((id) => [id, owners.push(f.host) - 1]));
    if (map.size === 0) return f;
    const entries = f.entries.map((e) => {
      if (e.kind !== "file" || !/\.(network|service)$/.test(e.path)) return e;
      const content = e.content
        .replace(/^(\[TrivialLinkEqualizer\][^[]*?^Id=)(\d+)$/gm, (_, head: string, id: string) => `${head}${map.get(Number(id))}`)
        .replace(/\bteql(\d+)\b/g, (_, id: string) => `teql${map.get(Number(id)) ?? id}`);
      return { ...e, content };
    });
    return { host: f.host, entries };
  });
  return { files: renumbered, owners };
}

export function giveEqualizers(owners: string[], hosts: Map<string, LabHost>): void {
  if (owners.length === 0) return;
  try {
    run("rmmod", ["sch_teql"]);
  } catch {
    /* not loaded */
  }
  run("modprobe", ["sch_teql", `max_equalizers=${owners.length}`]);
  owners.forEach((host, k) => ip("link", "set", `teql${k}`, "netns", hosts.get(host)!.ns));
}
