// IPv4/IPv6 addresses and prefixes as plain values, parsed strictly: the
// inventory's strings reach generated files, so anything that is not exactly
// an address is refused here rather than passed on. What is passed on is the
// canonical text (RFC 5952 for IPv6, as `ip` prints it), never the user's
// spelling: the push's health check looks for each rendered address in `ip`'s
// output, so `2001:DB8:0:0::2/64` rendered verbatim would roll every push back.

export type Family = 4 | 6;

export interface Ip {
  family: Family;
  value: bigint;
  /** Canonical: dotted quad, or RFC 5952 (lower case, longest zero run as ::). */
  text: string;
}

export interface Cidr {
  ip: Ip;
  prefix: number;
  /** Canonical address (host bits kept), '/', prefix length. */
  text: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseIp(text: string): Ip | undefined {
  if (IPV4.test(text)) {
    // The pattern admits no leading zero and no sign: the text is already canonical.
    const [a, b, c, d] = text.split(".").map(Number) as [number, number, number, number];
    return { family: 4, value: BigInt(a * 16777216 + b * 65536 + c * 256 + d), text };
  }
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6, text: formatIp(6, v6) };
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.length > 39) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string): string[] | undefined => {
    if (part === "") return [];
    const list = part.split(":");
    return list.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? list : undefined;
  };
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(missing).fill("0"), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bits(ip.family)) return undefined;
  return { ip, prefix, text: `${ip.text}/${prefix}` };
}

export function bits(family: Family): number {
  return family === 4 ? 32 : 128;
}

/** Every netmask, made once: validation asks for one per address pair it compares. */
const MASKS = { 4: masks(32), 6: masks(128) };

function masks(bitCount: number): bigint[] {
  const width = BigInt(bitCount);
  return Array.from({ length: bitCount + 1 }, (_, prefix) => ((1n << width) - 1n) ^ ((1n << (width - BigInt(prefix))) - 1n));
}

function mask(family: Family, prefix: number): bigint {
  return MASKS[family][prefix]!;
}

export function networkOf(cidr: Cidr): bigint {
  return cidr.ip.value & mask(cidr.ip.family, cidr.prefix);
}

/** True when `ip` lies inside `cidr`'s subnet. */
export function contains(cidr: Cidr, ip: Ip): boolean {
  return cidr.ip.family === ip.family && (ip.value & mask(cidr.ip.family, cidr.prefix)) === networkOf(cidr);
}

/** True when the two prefixes share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.ip.family !== b.ip.family) return false;
  const prefix = Math.min(a.prefix, b.prefix);
  const m = mask(a.ip.family, prefix);
  return (a.ip.value & m) === (b.ip.value & m);
}

export function hostBitsSet(cidr: Cidr): boolean {
  return networkOf(cidr) !== cidr.ip.value;
}

export function formatIp(family: Family, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (at least two) of zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  // IPv4-mapped (::ffff:a.b.c.d, RFC 5952 section 5) and IPv4-compatible
  // (::a.b.c.d) addresses end in a dotted quad: glibc's inet_ntop, and so `ip`,
  // print them that way.
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    return `::${bestLen === 5 ? "ffff:" : ""}${formatIp(4, value & 0xffffffffn)}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export function networkText(cidr: Cidr): string {
  return `${formatIp(cidr.ip.family, networkOf(cidr))}/${cidr.prefix}`;
}

/** A single host prefix: /32 for IPv4, /128 for IPv6. */
export function isHostPrefix(cidr: Cidr): boolean {
  return cidr.prefix === bits(cidr.ip.family);
}
