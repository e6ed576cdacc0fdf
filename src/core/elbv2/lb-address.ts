import { cidrSize, formatIpv4, type Ipv4Cidr, parseIpv4 } from '../cidr.ts';

/**
 * A loopback address for a new load balancer: the first free one in `block` after the one given
 * out last (wrapping around), so an address a deleted load balancer held is handed out again as
 * late as possible, after DNS caches have let go of it. Addresses ending in .0 or .255 are
 * skipped. Undefined when the block is full.
 */
export function allocateLoopbackAddress(
  block: Ipv4Cidr,
  held: readonly string[],
  last: string | undefined,
): string | undefined {
  const taken = new Set(held);
  const size = cidrSize(block);
  const lastValue = last === undefined ? undefined : parseIpv4(last);
  const start =
    lastValue !== undefined && lastValue >= block.network && lastValue < block.network + size
      ? lastValue - block.network + 1
      : 0;
  for (let i = 0; i < size; i++) {
    const value = block.network + ((start + i) % size);
    const octet = value & 0xff;
    if (octet === 0 || octet === 255) continue;
    const address = formatIpv4(value);
    if (!taken.has(address)) return address;
  }
  return undefined;
}
