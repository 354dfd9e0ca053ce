// Just enough Markdown for test/docs.test.ts: fenced blocks with the comment
// line that marks them, relative links, and GitHub's heading anchors.

export interface Fence {
  lang: string;
  body: string;
  /** 1-based line of the opening ``` */
  line: number;
  /** the text of an HTML comment on the line right before the fence, e.g. "planned" */
  marker?: string;
}

export interface Link {
  target: string;
  line: number;
}

const FENCE = /^```\s*([\w-]*)\s*$/;

export function fences(markdown: string): Fence[] {
  const lines = markdown.split("\n");
  const found: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`line ${start + 1}: a fence that is never closed`);
    const marker = /^<!--\s*(.*?)\s*-->\s*$/.exec(lines[start - 1] ?? "")?.[1];
    found.push({ lang: open[1]!, body: lines.slice(start + 1, end).join("\n"), line: start + 1, ...(marker === undefined ? {} : { marker }) });
    i = end;
  }
  return found;
}

/** The prose without its fenced blocks (kept as blank lines, so line numbers hold). */
function prose(markdown: string): string[] {
  let inFence = false;
  return markdown.split("\n").map((line) => {
    if (/^```/.test(line)) {
      inFence = !inFence;
      return "";
    }
    return inFence ? "" : line.replace(/`[^`]*`/g, "");
  });
}

/** Links written as [text](target), outside code. */
export function links(markdown: string): Link[] {
  return prose(markdown).flatMap((line, i) => [...line.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({ target: m[1]!, line: i + 1 })));
}

/** The anchors GitHub gives a document's headings: lowercased, punctuation dropped, spaces to '-'. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of prose(markdown.replace(/^(#{1,6} .*)$/gm, (h) => h.replace(/`/g, "")))) {
    const heading = /^#{1,6} (.*)$/.exec(line)?.[1];
    if (heading !== undefined) anchors.add(heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-"));
  }
  return anchors;
}
