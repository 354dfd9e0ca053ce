// A fast reader for the plain YAML most inventories are written in, without
// the syntax tree: the `yaml` package builds a node with its range for each of
// the 570,000 values of a 10,000-host inventory, which was a third of the time
// of rendering it in memory. Positions are needed only when there is a problem
// to report, and then load.ts parses the same text with `yaml` to find them.
//
// The subset: block mappings and sequences indented with spaces, one-line flow
// mappings and lists, plain and simply quoted scalars, comments. Anything else
// (anchors, aliases, merges, tags, block scalars, multi-line scalars, escapes,
// tabs, a CR, a duplicate key, a number other than a small decimal integer, a
// mistake) returns OUTSIDE and `yaml` reads the file, so every syntax error is
// still `yaml`'s, word for word. Inside the subset the data is what yaml's
// toJS() gives (test/plain-yaml.test.ts compares the two on generated files).

/** The text is not in the subset: read it with `yaml`. */
export const OUTSIDE: unique symbol = Symbol("outside the plain subset");

/**
 * Below yaml's and nodeProblems' own limits (1,000,000 nodes, 32 levels,
 * 1,024-character keys), so a file near them takes the path that reports them.
 */
const MAX_NODES = 900_000;
const MAX_DEPTH = 16;
const MAX_KEY = 1000;

/** A key: letters, digits and a few marks, not starting with one of YAML's indicators. */
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
/** A plain scalar: no indicator first; inside, no flow indicators, quotes, '#', '&', '*', '!'. */
const PLAIN = /^[A-Za-z0-9_./+~][A-Za-z0-9_./+~=@: -]*$/;
/** The core schema's null and bool words (YAML 1.2, yaml's default). */
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
/** An integer Number() reads as yaml does: no sign, no leading zero, exact in a double. */
const SMALL_INT = /^(?:0|[1-9][0-9]{0,14})$/;
/** Any other core-schema number (int, octal, hex, float, exponent, .inf, .nan): left to yaml. */
const OTHER_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

class Outside extends Error {}
function outside(): never {
  throw new Outside();
}

interface Line {
  indent: number;
  text: string;
}

/** The data of `text`, as yaml's toJS() would give it, or OUTSIDE. */
export function readPlainYaml(text: string): unknown {
  try {
    const lines = contentLines(text);
    if (lines.length === 0 || lines[0]!.indent !== 0) return OUTSIDE;
    const reader = new BlockReader(lines);
    const data = reader.block(0, 0);
    return reader.at === lines.length ? data : OUTSIDE;
  } catch (error) {
    if (error instanceof Outside) return OUTSIDE;
    throw error;
  }
}

/** Lines without comments, blank lines and trailing spaces. */
function contentLines(text: string): Line[] {
  if (text.includes("\r") || text.includes("\t")) outside();
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    if (indent === raw.length || raw[indent] === "#") continue;
    // A comment starts at " #"; a '#' inside quotes would not start one, so quotes before it are left to yaml.
    const hash = raw.indexOf(" #", indent);
    const body = (hash < 0 ? raw : raw.slice(0, hash)).trimEnd();
    if (hash >= 0 && /["']/.test(body)) outside();
    if (/[^\x20-\x7e]/.test(body)) outside();
    lines.push({ indent, text: body.slice(indent) });
  }
  return lines;
}

class BlockReader {
  at = 0;
  private nodes = 0;

  constructor(private readonly lines: Line[]) {}

  private count(): void {
    if (++this.nodes > MAX_NODES) outside();
  }

  /** The block (mapping or sequence) whose first line is the next one, at `indent`. */
  block(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) outside();
    const line = this.lines[this.at]!;
    if (line.indent !== indent) outside();
    return isItem(line.text) ? this.sequence(indent, depth) : this.mapping(indent, depth);
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    this.count();
    const map: Record<string, unknown> = {};
    const seen = new Set<string>();
    while (this.at < this.lines.length) {
      const line = this.lines[this.at]!;
      if (line.indent < indent) break;
      if (line.indent > indent || isItem(line.text)) outside();
      const colon = line.text.indexOf(":");
      const rest = colon < 0 ? outside() : line.text.slice(colon + 1);
      if (rest !== "" && rest[0] !== " ") outside();
      const key = plainKey(line.text.slice(0, colon));
      if (seen.has(key)) outside(); // yaml keeps both; load.ts reports the second one
      seen.add(key);
      this.count();
      this.at++;
      setKey(map, key, rest === "" ? this.nested(indent, depth, true) : this.inline(rest.trimStart(), indent, depth));
    }
    return map;
  }

  private sequence(indent: number, depth: number): unknown[] {
    this.count();
    const list: unknown[] = [];
    while (this.at < this.lines.length) {
      const line = this.lines[this.at]!;
      if (line.indent < indent || (line.indent === indent && !isItem(line.text))) break;
      if (line.indent > indent) outside();
      const rest = line.text.slice(1).trimStart();
      if (rest === "") {
        this.at++;
        list.push(this.nested(indent, depth, false));
      } else if (isItem(rest) || /^[^"'{[]*: |^[^"'{[]*:$/.test(rest)) {
        // "- key: value" or "- - item": the rest of the line opens a block
        // indented where its text starts; read it as if it were its own line.
        this.lines[this.at] = { indent: indent + line.text.length - rest.length, text: rest };
        list.push(this.block(this.lines[this.at]!.indent, depth + 1));
      } else {
        this.at++;
        list.push(this.inline(rest, indent, depth));
      }
    }
    return list;
  }

  /** The value after "key:" or "-" at the end of a line: a deeper block, a list at the key's indent, or null. */
  private nested(indent: number, depth: number, inMapping: boolean): unknown {
    const next = this.lines[this.at];
    if (next !== undefined && next.indent > indent) return this.block(next.indent, depth + 1);
    // YAML lets a mapping's list start at the key's own indent ("paths:\n- ...").
    if (inMapping && next !== undefined && next.indent === indent && isItem(next.text)) return this.sequence(indent, depth + 1);
    this.count();
    return null;
  }

  /** A value written on its key's line (a flow may go on): no deeper line may follow it. */
  private inline(first: string, indent: number, depth: number): unknown {
    let text = first;
    // A flow mapping or list may go on over lines indented deeper than its key;
    // yaml reads each line break in it as a space. Broken only after '{', '[' or ','
    // here, so that no scalar is split (yaml would fold one across the break).
    while ((first[0] === "{" || first[0] === "[") && unclosed(text)) {
      const next = this.lines[this.at];
      if (next === undefined || next.indent <= indent || !/[{[,]$/.test(text)) outside();
      text = `${text} ${next.text}`;
      this.at++;
    }
    const next = this.lines[this.at];
    if (next !== undefined && next.indent > indent) outside();
    const flow = new FlowReader(text, () => this.count(), depth);
    const value = flow.value(false);
    if (!flow.done()) outside();
    return value;
  }
}

/** One line's flow value: `{ a: b, c: [d, e] }`, a quoted or a plain scalar. */
class FlowReader {
  private at = 0;

  constructor(private readonly text: string, private readonly count: () => void, private readonly depth: number) {}

  done(): boolean {
    this.space();
    return this.at === this.text.length;
  }

  value(inFlow: boolean, depth = this.depth): unknown {
    if (depth > MAX_DEPTH) outside();
    this.space();
    const c = this.text[this.at];
    if (c === "{") return this.mapping(depth + 1);
    if (c === "[") return this.sequence(depth + 1);
    this.count();
    if (c === '"' || c === "'") return this.quoted(c);
    return plainValue(this.plain(inFlow));
  }

  private mapping(depth: number): Record<string, unknown> {
    this.count();
    this.at++;
    const map: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (let first = true; ; first = false) {
      this.space();
      if (this.text[this.at] === "}" && first) break;
      const c = this.text[this.at];
      const key = c === '"' || c === "'" ? this.quoted(c) : plainKey(this.plain(true));
      if (seen.has(key)) outside();
      seen.add(key);
      this.count();
      this.space();
      if (this.text[this.at] !== ":") outside();
      this.at++;
      if (this.text[this.at] !== " ") outside();
      this.space();
      if (this.text[this.at] === "," || this.text[this.at] === "}") outside(); // an empty value: rare, left to yaml
      setKey(map, key, this.value(true, depth));
      this.space();
      if (this.text[this.at] === "}") break;
      if (this.text[this.at] !== ",") outside();
      this.at++;
    }
    this.at++;
    return map;
  }

  private sequence(depth: number): unknown[] {
    this.count();
    this.at++;
    const list: unknown[] = [];
    for (let first = true; ; first = false) {
      this.space();
      if (this.text[this.at] === "]" && first) break;
      list.push(this.value(true, depth));
      this.space();
      if (this.text[this.at] === "]") break;
      if (this.text[this.at] !== ",") outside();
      this.at++;
    }
    this.at++;
    return list;
  }

  /** A quoted scalar without escapes on one line: its text is its value. */
  private quoted(quote: string): string {
    const end = this.text.indexOf(quote, this.at + 1);
    if (end < 0) outside();
    const value = this.text.slice(this.at + 1, end);
    if (value.includes("\\") || this.text[end + 1] === quote) outside();
    this.at = end + 1;
    return value;
  }

  /** A plain scalar, up to the end of the line or, in a flow, to ',', ']', '}' or ': '. */
  private plain(inFlow: boolean): string {
    const start = this.at;
    const text = this.text;
    while (this.at < text.length) {
      const c = text[this.at]!;
      if (inFlow && (c === "," || c === "]" || c === "}")) break;
      if (c === ":" && (this.at + 1 === text.length || text[this.at + 1] === " ")) {
        if (inFlow) break;
        outside(); // "a: b: c" is an error yaml words
      }
      this.at++;
    }
    const scalar = text.slice(start, this.at).trimEnd();
    if (!PLAIN.test(scalar) || scalar.includes(": ") || scalar.endsWith(":")) outside();
    return scalar;
  }

  private space(): void {
    while (this.text[this.at] === " ") this.at++;
  }
}

/** More '{' and '[' than '}' and ']' outside quotes: the flow goes on on the next line. */
function unclosed(text: string): boolean {
  let open = 0;
  let quote = "";
  for (const c of text) {
    if (quote !== "") quote = c === quote ? "" : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === "{" || c === "[") open++;
    else if (c === "}" || c === "]") open--;
  }
  return open > 0 && quote === "";
}

const isItem = (text: string) => text === "-" || text.startsWith("- ");

function plainKey(text: string): string {
  if (text.length > MAX_KEY || !KEY.test(text)) outside();
  const value = plainValue(text);
  return typeof value === "string" ? value : outside(); // "1.0" would become the key "1"
}

/** A plain scalar's value under the core schema, or outside when it is a number yaml reads differently. */
function plainValue(text: string): unknown {
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === "t" || text[0] === "T";
  if (SMALL_INT.test(text)) return Number(text);
  if (OTHER_NUMBER.test(text)) outside();
  return text;
}

/** As yaml's toJS sets a key: one named like an Object.prototype member becomes an own property. */
function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key in map) Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}
