/**
 * IPv4 and IPv6 CIDR ranges for IpAddress / NotIpAddress: parsed once per policy into integers, so a check is a
 * few comparisons (node:net's BlockList allocates an address object per check, too slow for every request).
 */
import { isIPv4, isIPv6 } from "node:net";

interface Range {
  v6: boolean;
  /** The network and mask, as bigints: 32 bits for IPv4, 128 for IPv6. */
  network: bigint;
  mask: bigint;
}

function v4(address: string): bigint {
  let n = 0;
  for (const part of address.split(".")) n = n * 256 + Number(part);
  return BigInt(n);
}

const groups = (s: string) => (s ? s.split(":").map((g) => BigInt(`0x${g}`)) : []);

function v6(address: string): bigint {
  let text = address;
  const tail: bigint[] = [];
  // An embedded IPv4 tail ("::ffff:192.0.2.1") makes the last two groups.
  if (text.includes(".")) {
    const colon = text.lastIndexOf(":");
    const four = v4(text.slice(colon + 1));
    tail.push(four >> 16n, four & 0xffffn);
    text = text.slice(0, text.endsWith("::", colon + 1) ? colon + 1 : colon);
  }
  const gap = text.indexOf("::");
  let all: bigint[];
  if (gap < 0) all = [...groups(text), ...tail];
  else {
    const left = groups(text.slice(0, gap));
    const right = [...groups(text.slice(gap + 2)), ...tail];
    all = [...left, ...Array<bigint>(8 - left.length - right.length).fill(0n), ...right];
  }
  return all.reduce((n, g) => (n << 16n) | g, 0n);
}

let lastText: string | undefined;
let lastAddress: { v6: boolean; value: bigint } | undefined;

/** The address as an integer and its family, or undefined when it is not an IP address. */
export function parseAddress(text: string): { v6: boolean; value: bigint } | undefined {
  // The same aws:SourceIp is tested by every IP condition of a request: remember the last one.
  if (text === lastText) return lastAddress;
  const s = text.trim();
  const parsed = isIPv4(s) ? { v6: false, value: v4(s) } : isIPv6(s) ? { v6: true, value: v6(s) } : undefined;
  lastText = text;
  lastAddress = parsed;
  return parsed;
}

/** "203.0.113.0/24", "2001:DB8::/32", or one address (a /32 or /128); undefined when malformed. */
export function parseRange(text: string): Range | undefined {
  const [address, prefix, extra] = text.trim().split("/");
  if (extra !== undefined) return undefined;
  const a = parseAddress(address);
  if (!a) return undefined;
  const width = a.v6 ? 128 : 32;
  const bits = prefix === undefined ? width : /^\d+$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - bits)) - 1n);
  return { v6: a.v6, network: a.value & mask, mask };
}

/** Whether an address (as parsed) lies in any of the ranges of its family. IPv4-mapped IPv6 addresses count as IPv4. */
export function inRanges(ranges: readonly Range[], address: { v6: boolean; value: bigint }): boolean {
  let { v6: isV6, value } = address;
  if (isV6 && value >> 32n === 0xffffn) {
    isV6 = false;
    value &= 0xffffffffn;
  }
  for (const r of ranges) if (r.v6 === isV6 && (value & r.mask) === r.network) return true;
  return false;
}
