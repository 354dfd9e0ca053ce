// netgen validate INVENTORY
import { validateFile } from "../validate/validate.js";

export function validate(file: string, print: (line: string) => void): number {
  const inventory = validateFile(file);
  const strategies = inventory.bundles.map((b) => `${b.name} (${b.strategy})`).join(", ");
  print(`${file}: valid: ${inventory.hosts.length} hosts, ${inventory.bundles.length} bundles${strategies ? `: ${strategies}` : ""}`);
  return 0;
}
