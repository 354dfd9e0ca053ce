// ajv against the inventory schema, each error turned into a Problem that
// names the place in the document and says what would be accepted.
import type { ErrorObject } from "ajv";
import type { DocPath, Problem } from "../errors.js";
// Compiled at build time (schema-code.ts), not at each start.
import check from "./inventory-validator.js";
import { closest } from "./suggest.js";

export function schemaProblems(data: unknown): Problem[] {
  if (check(data)) return [];
  const problems = (check.errors ?? []).flatMap(toProblem);
  return dedupe(problems);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function where(path: DocPath): string {
  return path.length === 0 ? "the inventory" : path.map((p) => (typeof p === "number" ? `[${p + 1}]` : p)).join(".").replace(/\.\[/g, "[");
}

function show(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value); // JSON would say null
  const text = typeof value === "string" ? `'${value}'` : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function toProblem(e: ErrorObject): Problem[] {
  const name = e.propertyName;
  const path = name === undefined ? pointerToPath(e.instancePath) : [...pointerToPath(e.instancePath), name];
  const schema = (e.parentSchema ?? {}) as { title?: string; description?: string; properties?: Record<string, unknown> };
  const title = schema.title ?? "value";
  const described = schema.description ? ` (${schema.description})` : "";
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(schema.properties ?? {});
      const guess = closest(key, known);
      return [
        {
          path: [...path, key],
          at: "key",
          message: `unknown key '${key}' in ${where(path)}`,
          hint: guess ? `did you mean '${guess}'? known keys: ${known.join(", ")}` : `known keys: ${known.join(", ")}`,
        },
      ];
    }
    case "required":
      return [{ path, message: `${where(path)} is missing '${String(e.params.missingProperty)}'`, hint: `add ${String(e.params.missingProperty)}:` }];
    case "const":
      if (path.length === 1 && path[0] === "netgen") {
        return [{ path, message: `netgen: ${show(e.data)} is not an inventory format this netgen reads`, hint: "this version reads 'netgen: 1'" }];
      }
      return [{ path, message: `${where(path)} must be ${show(e.params.allowedValue)}` }];
    case "enum":
      return [{ path, message: `${show(e.data)} is not a ${title}`, hint: `use one of: ${(e.params.allowedValues as unknown[]).join(", ")}` }];
    case "type":
      return [{ path, message: `${where(path)} must be ${article(String(e.params.type))}, not ${kindOf(e.data)}${described}` }];
    case "pattern":
      if (name !== undefined) return [{ path, at: "key", message: `'${name}' is not a valid ${title}${described}` }];
      return [{ path, message: `${show(e.data)} is not a valid ${title}${described}` }];
    case "propertyNames":
      return []; // the nested `pattern` error on the name says it better
    case "minimum":
    case "maximum":
      return [{ path, message: `${where(path)} is ${show(e.data)}, outside ${rangeOf(e.parentSchema)}${described}` }];
    case "maxProperties":
      if (Number(e.params.limit) !== 2) return [{ path, message: `${where(path)} ${sizeMessage(e)}`, hint: "split it: more bundles, or more inventories" }];
      return [{ path, message: `${where(path)} ${sizeMessage(e)}${described}` }];
    case "minProperties":
      return [{ path, message: `${where(path)} ${sizeMessage(e)}${described}` }];
    case "maxItems":
      // A short list is a shape (an end's one IPv4 and one IPv6 address), not a size to split.
      if (Number(e.params.limit) <= 2) return [{ path, message: `${where(path)} ${sizeMessage(e)}${described}` }];
      return [{ path, message: `${where(path)} ${sizeMessage(e)}${described}`, hint: "split it: more bundles, or more inventories" }];
    case "uniqueItems": {
      const later = Math.max(Number(e.params.i), Number(e.params.j));
      return [{ path: [...path, later], message: `${where(path)} lists ${show((e.data as unknown[])[later])} twice`, hint: "remove the second one" }];
    }
    case "maxLength":
      return [{ path, message: `${where(path)} is ${String(e.data).length} characters long; netgen takes at most ${Number(e.params.limit)}`, hint: "shorten it" }];
    default:
      return [{ path, message: `${where(path)}: ${e.message ?? "is not valid"}` }];
  }
}

function rangeOf(schema: unknown): string {
  const s = schema as { minimum?: number; maximum?: number };
  return `${s.minimum ?? "-inf"}..${s.maximum ?? "inf"}`;
}

function sizeMessage(e: ErrorObject): string {
  const limit = Number(e.params.limit);
  switch (e.keyword) {
    case "minProperties":
      return limit === 2 ? "must name exactly two hosts" : `needs at least ${limit} entr${limit === 1 ? "y" : "ies"}`;
    case "maxProperties":
      return limit === 2 ? "must name exactly two hosts" : `has ${Object.keys(e.data as object).length} entries; netgen takes at most ${limit.toLocaleString("en")}`;
    case "maxItems":
      return `has ${(e.data as unknown[]).length} entries; netgen takes at most ${limit.toLocaleString("en")}`;
    default:
      return `needs at least ${limit} entries`;
  }
}

function article(type: string): string {
  if (type.includes(",")) return type.split(",").map(article).join(" or ");
  return type === "object" ? "a mapping" : type === "array" ? "a list" : type === "integer" ? "an integer" : `a ${type}`;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${show(value)}`;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path.join("\u0000")}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
