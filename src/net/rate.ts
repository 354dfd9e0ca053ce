// A tc rate as the inventory writes it ("5mbit"), in bits a second, and the
// rates tc turns into a working HTB class (measured against tc 6.1: test/tc-bounds.test.ts).

/** tc refuses anything lower: "rate" is required (1bit..7bit are 0 bytes a second). */
export const MIN_RATE_BITS = 8;
/**
 * tc's default burst shrinks as the rate grows (it is stored as a transmit
 * time): 1600b up to 200mbit, 1375b at 1gbit, 1000b at 4gbit, 625b at 5gbit
 * and 0b from 8gbit on, when HTB no longer sends at the rate asked for.
 */
export const MAX_RATE_BITS = 4e9;
const UNIT: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** Bits a second of a rate the schema's pattern accepts; NaN for anything else. */
export function rateBits(rate: string): number {
  const match = /^(\d{1,9})(bit|kbit|mbit|gbit)$/.exec(rate);
  return match ? Number(match[1]) * UNIT[match[2]!]! : NaN;
}

/** A whole number of bits a second as tc writes it: "9800kbit", "20mbit", "750bit". */
export function formatRate(bits: number): string {
  const whole = Math.floor(bits);
  for (const unit of ["gbit", "mbit", "kbit"] as const) {
    if (whole >= UNIT[unit]! && whole % UNIT[unit]! === 0) return `${whole / UNIT[unit]!}${unit}`;
  }
  return `${whole}bit`;
}
