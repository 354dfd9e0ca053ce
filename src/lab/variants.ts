// The throughput scenario compares strategies on the same hosts and paths: the
// bundle as the inventory declares it, and re-cast as each other aggregating
// strategy. The re-cast is an edit of the YAML document, validated in full like
// any inventory (so a variant the rules refuse is reported, not guessed at).
import { isMap, isSeq, parseDocument } from "yaml";
import type { Inventory, Strategy, Transport } from "../inventory/types.js";
import { validateText } from "../pipeline/pipeline.js";

export const AGGREGATING: Strategy[] = ["teql", "balance-rr", "ecmp"];

/** What a wireguard bundle's throughput is compared as, over WireGuard and over gre (issue 11). */
export const WIREGUARD_COMPARED: Strategy[] = ["teql", "balance-rr"];

/** Addresses for ends that have none (an ecmp bundle) when re-cast as a device: lab-only, shared address space. */
const LAB_ADDRESSES = ["100.64.255.1/30", "100.64.255.2/30"];

/** `transport`: re-cast the paths too (gre drops the WireGuard-only keys). */
export function strategyVariant(file: string, text: string, bundleName: string, strategy: Strategy, transport?: Transport): Inventory {
  const doc = parseDocument(text);
  const bundle = doc.getIn(["bundles", bundleName]);
  if (!isMap(bundle)) throw new Error(`no bundle ${bundleName} in ${file}`);
  bundle.set("strategy", strategy);
  if (transport !== undefined) {
    bundle.set("transport", transport);
    if (transport === "gre") for (const key of ["link_subnet", "port"]) bundle.delete(key);
  }
  const ends = bundle.get("ends");
  if (isMap(ends)) {
    ends.items.forEach((item, i) => {
      const end = item.value;
      if (!isMap(end)) return;
      if (strategy === "ecmp") end.delete("address");
      else if (!end.has("address")) end.set("address", LAB_ADDRESSES[i]);
      if (strategy !== "failover" && strategy !== "ecmp") end.delete("default_route");
    });
  }
  if (strategy !== "failover" && strategy !== "balance-rr") bundle.delete("monitor");
  const paths = bundle.get("paths");
  for (const p of isSeq(paths) ? paths.items : []) {
    if (!isMap(p)) continue;
    if (strategy !== "ecmp") p.delete("weight");
    if (strategy !== "failover") p.delete("primary");
  }
  try {
    return validateText(file, doc.toString());
  } catch (error) {
    throw new Error(`${bundleName} re-cast as ${strategy}${transport ? ` over ${transport}` : ""} is not a valid inventory:\n${(error as Error).message}`);
  }
}
