// The key paths a JSON Schema declares, written the way docs/inventory.md
// writes them: `hosts.*.uplinks.*.mtu`, `bundles.*.paths[].primary`. A name the
// user chooses (additionalProperties, patternProperties) is `*`; an array's
// items add `[]` to the key that holds them.

type Schema = { [key: string]: unknown };

const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

export function schemaKeyPaths(root: Schema): Set<string> {
  const paths = new Set<string>();
  const resolve = (node: Schema): Schema => {
    const ref = node.$ref;
    if (typeof ref !== "string") return node;
    if (!ref.startsWith("#/")) throw new Error(`schema: only local $ref is understood, not ${ref}`);
    let target: unknown = root;
    for (const part of ref.slice(2).split("/")) target = isSchema(target) ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    if (!isSchema(target)) throw new Error(`schema: $ref ${ref} resolves to nothing`);
    return target;
  };
  const walk = (raw: unknown, prefix: string, depth: number): void => {
    if (!isSchema(raw) || depth > 40) return;
    const node = resolve(raw);
    const child = (key: string, sub: unknown) => {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      paths.add(path);
      walk(sub, path, depth + 1);
    };
    if (isSchema(node.properties)) for (const [key, sub] of Object.entries(node.properties)) child(key, sub);
    if (isSchema(node.additionalProperties)) child("*", node.additionalProperties);
    if (isSchema(node.patternProperties)) for (const sub of Object.values(node.patternProperties)) child("*", sub);
    const items = Array.isArray(node.items) ? node.items : [node.items];
    for (const item of items) walk(item, `${prefix}[]`, depth + 1);
    for (const combinator of ["oneOf", "anyOf", "allOf"]) {
      const options = node[combinator];
      if (Array.isArray(options)) for (const option of options) walk(option, prefix, depth + 1);
    }
    for (const branch of ["then", "else"]) walk(node[branch], prefix, depth + 1);
  };
  walk(root, "", 0);
  return paths;
}

/** `hosts.<host>.uplinks.<uplink>.mtu` as the schema walk writes it: `hosts.*.uplinks.*.mtu`. */
export function normalizeDocumentedKey(key: string): string {
  return key.replace(/<[^>]+>/g, "*");
}
