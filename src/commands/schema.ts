// netgen schema: the inventory's JSON Schema, for editors.
import { inventorySchema } from "../inventory/schema.js";

export function schema(print: (line: string) => void): number {
  print(JSON.stringify(inventorySchema, null, 2));
  return 0;
}
