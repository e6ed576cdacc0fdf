/**
 * IPv4 addresses and CIDR blocks. Addresses are unsigned 32-bit numbers inside, dotted quads at the
 * edges (the API, the database, `ip` and `nft` all speak dotted quads).
 */

/** An IPv4 CIDR block in canonical form: no host bits set in `network`. */
export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number. */
  readonly network: number;
  /** 0 to 32. */
  readonly prefixLength: number;
}

const QUAD = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

/** Parses a dotted quad. Leading zeros are refused, as they mean octal to some tools. */
export function parseIpv4(text: string): number {
  const match = QUAD.exec(text);
  if (!match) throw new SyntaxError(`Invalid IPv4 address '${text}'`);
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255) throw new SyntaxError(`Invalid IPv4 address '${text}'`);
    value = value * 256 + octet;
  }
  return value;
}

export function isIpv4(text: string): boolean {
  try {
    parseIpv4(text);
    return true;
  } catch {
    return false;
  }
}

export function formatIpv4(address: number): string {
  if (!Number.isInteger(address) || address < 0 || address > 0xffff_ffff) {
    throw new RangeError(`Invalid IPv4 address number '${address}'`);
  }
  return [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff].join('.');
}

/** The netmask of a prefix length as an unsigned 32-bit number. */
export function prefixMask(prefixLength: number): number {
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
    throw new RangeError(`Invalid prefix length '${prefixLength}'`);
  }
  // `-1 << 32` is -1 in JavaScript (shift counts are taken mod 32), so /0 needs its own case.
  return prefixLength === 0 ? 0 : (0xffff_ffff << (32 - prefixLength)) >>> 0;
}

/**
 * Parses `a.b.c.d/n`. Host bits must be zero, as AWS refuses `10.0.0.5/16` for a VPC or subnet;
 * use {@link cidrOf} to take the block around an address.
 */
export function parseCidr(text: string): Ipv4Cidr {
  const slash = text.indexOf('/');
  const lengthText = text.slice(slash + 1);
  if (slash < 0 || !/^(0|[1-9][0-9]?)$/.test(lengthText)) throw new SyntaxError(`Invalid CIDR '${text}'`);
  const prefixLength = Number(lengthText);
  if (prefixLength > 32) throw new SyntaxError(`Invalid CIDR '${text}'`);
  let address: number;
  try {
    address = parseIpv4(text.slice(0, slash));
  } catch {
    throw new SyntaxError(`Invalid CIDR '${text}'`);
  }
  if ((address & ~prefixMask(prefixLength)) !== 0) {
    throw new SyntaxError(`Invalid CIDR '${text}': host bits are set`);
  }
  return { network: address, prefixLength };
}

export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** The block of the given length that holds an address: `cidrOf('10.0.3.7', 16)` is 10.0.0.0/16. */
export function cidrOf(address: string | number, prefixLength: number): Ipv4Cidr {
  const value = typeof address === 'string' ? parseIpv4(address) : address;
  return { network: (value & prefixMask(prefixLength)) >>> 0, prefixLength };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

/** How many addresses the block spans, network and broadcast included. */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefixLength);
}

export function lastAddress(cidr: Ipv4Cidr): number {
  return cidr.network + cidrSize(cidr) - 1;
}

export function cidrContainsAddress(cidr: Ipv4Cidr, address: string | number): boolean {
  const value = typeof address === 'string' ? parseIpv4(address) : address;
  return value >= cidr.network && value <= lastAddress(cidr);
}

/** True when `inner` lies entirely inside `outer` (a block contains itself). */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefixLength >= outer.prefixLength && cidrContainsAddress(outer, inner.network);
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/**
 * The n-th address of the block, counting from 0 (the network address); a negative n counts from
 * the end, so -1 is the broadcast address.
 */
export function nthAddress(cidr: Ipv4Cidr, n: number): number {
  const size = cidrSize(cidr);
  if (!Number.isInteger(n) || n >= size || n < -size) {
    throw new RangeError(`Address index '${n}' is outside '${formatCidr(cidr)}'`);
  }
  return n >= 0 ? cidr.network + n : cidr.network + size + n;
}

/** The first usable address, which AWS gives the VPC router and neargate puts on the subnet bridge. */
export function gatewayAddress(cidr: Ipv4Cidr): number {
  if (cidr.prefixLength > 30) throw new RangeError(`'${formatCidr(cidr)}' has no room for a gateway`);
  return cidr.network + 1;
}

/** The first block in `candidates` that overlaps none of `taken`, e.g. to choose a default VPC CIDR. */
export function firstFreeCidr(
  candidates: readonly Ipv4Cidr[],
  taken: readonly Ipv4Cidr[],
): Ipv4Cidr | undefined {
  return candidates.find((candidate) => !taken.some((used) => cidrsOverlap(candidate, used)));
}
