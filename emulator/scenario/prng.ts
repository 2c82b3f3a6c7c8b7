/**
 * A small seeded PRNG (mulberry32): recordings must be identical on every run, so nothing in them uses Math.random.
 * Secutter's generator and timeline builds draw from it, each stream named by its own seed.
 */

/** xmur3-style string hash, so every part of the story can have its own stream and adding events to one part never reshuffles another. */
function hashSeed(s: string): number {
  let h = 1779033703 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^ (h >>> 16)) >>> 0;
}

const HEX = "0123456789abcdef";
const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const hex8 = (x: number) => BYTE_HEX[x >>> 24] + BYTE_HEX[(x >>> 16) & 255] + BYTE_HEX[(x >>> 8) & 255] + BYTE_HEX[x & 255];
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SECRET = `${ALNUM}+/`;

export class Rng {
  private s: number;
  constructor(seed: string) {
    this.s = hashSeed(seed);
  }
  /** Where the stream is: after `seek` to it, the same draws follow (a record's ids are drawn when it is first read). */
  get position(): number {
    return this.s;
  }
  seek(position: number): this {
    this.s = position;
    return this;
  }
  /** Moves on as n draws would (the state only ever grows by the same constant), without making them. */
  skip(n: number): void {
    this.s = (this.s + Math.imul(n, 0x6d2b79f5)) | 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** Picks by weight: [[value, weight], …]. */
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of xs) total += w;
    let r = this.next() * total;
    for (const [v, w] of xs) {
      r -= w;
      if (r < 0) return v;
    }
    return xs[xs.length - 1][0];
  }
  chars(n: number, alphabet: string): string {
    // Character codes, then one string: appending a character at a time made a string per character.
    const codes = new Array<number>(n);
    for (let i = 0; i < n; i++) codes[i] = alphabet.charCodeAt(Math.floor(this.next() * alphabet.length));
    return String.fromCharCode(...codes);
  }
  /** Hex digits 8 at a time from 32-bit draws: ids and UUIDs are the bulk of the generator's work. */
  hex(n: number): string {
    let s = "";
    while (s.length < n) s += hex8(this.u32());
    return s.slice(0, n);
  }
  alnum(n: number): string {
    return this.chars(n, ALNUM);
  }
  /** AWS resource ids: "i-0" + 16 hex = 17 hex digits, like every current-format EC2 id. */
  resId(prefix: string): string {
    return `${prefix}-0${this.hex(16)}`;
  }
  /** IAM unique ids (AIDA…, AROA…, AIPA…): 21 characters. */
  iamId(prefix: string): string {
    return prefix + this.chars(17, B32);
  }
  /** Access key ids (AKIA…, ASIA…): 20 characters. */
  accessKeyId(prefix: "AKIA" | "ASIA"): string {
    return prefix + this.chars(16, B32);
  }
  secret(): string {
    return this.chars(40, SECRET);
  }
  /** A version-4 UUID. */
  uuid(): string {
    const a = this.u32();
    const b = this.u32();
    const c = this.u32();
    const d = this.u32();
    const hb = hex8(b);
    const hc = hex8(c);
    return `${hex8(a)}-${hb.slice(0, 4)}-4${hb.slice(5, 8)}-${HEX[8 + (c >>> 30)]}${hc.slice(1, 4)}-${hc.slice(4, 8)}${hex8(d)}`;
  }
  /** S3's request ids are 16 upper-case hex digits. */
  s3RequestId(): string {
    return this.hex(16).toUpperCase();
  }
  base64(n: number): string {
    return this.chars(n, SECRET);
  }
  mac(): string {
    const b = [this.pick(["06", "0a", "0e"])];
    for (let i = 0; i < 5; i++) b.push(this.hex(2));
    return b.join(":");
  }
}
