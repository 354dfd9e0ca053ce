// netgen validate INVENTORY
import { validateFile, type WarningOptions } from "../pipeline/pipeline.js";

export function validate(file: string, print: (line: string) => void, warnings: WarningOptions = {}): number {
  const inventory = validateFile(file, warnings);
  const counts = new Map<string, number>();
  for (const b of inventory.bundles) counts.set(b.strategy, (counts.get(b.strategy) ?? 0) + 1);
  const strategies =
    inventory.bundles.length <= 10 ? inventory.bundles.map((b) => `${b.name} (${b.strategy})`).join(", ") : [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
  print(`${file}: valid: ${inventory.hosts.length} hosts, ${inventory.bundles.length} bundles${strategies ? `: ${strategies}` : ""}`);
  return 0;
}
