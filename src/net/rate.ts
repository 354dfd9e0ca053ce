// A tc rate as the inventory writes it ("5mbit"), in bits a second.
const UNIT: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** Bits a second of a rate the schema's pattern accepts; NaN for anything else. */
export function rateBits(rate: string): number {
  const match = /^(\d{1,9})(bit|kbit|mbit|gbit)$/.exec(rate);
  return match ? Number(match[1]) * UNIT[match[2]!]! : NaN;
}
