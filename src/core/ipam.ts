import type { Ipv4Cidr } from './cidr.ts';
import { cidrContainsAddress, cidrSize, formatCidr, formatIpv4, lastAddress, parseIpv4 } from './cidr.ts';

/**
 * How many addresses AWS holds back in every subnet: the network address, .1 (VPC router),
 * .2 (DNS), .3 (reserved for future use) and the broadcast address.
 */
export const RESERVED_ADDRESS_COUNT = 5;

/** AWS allows subnets from /16 to /28; a /28 leaves 11 usable addresses. */
export const SUBNET_PREFIX_LENGTHS = { min: 16, max: 28 } as const;

/** The addresses AWS reserves in a subnet, lowest first. */
export function reservedAddresses(subnet: Ipv4Cidr): readonly string[] {
  assertSubnetSize(subnet);
  const n = subnet.network;
  return [n, n + 1, n + 2, n + 3, lastAddress(subnet)].map(formatIpv4);
}

/** What DescribeSubnets reports as availableIpAddressCount before any address is taken. */
export function usableAddressCount(subnet: Ipv4Cidr): number {
  assertSubnetSize(subnet);
  return cidrSize(subnet) - RESERVED_ADDRESS_COUNT;
}

export function isUsableAddress(subnet: Ipv4Cidr, address: string): boolean {
  const value = parseIpv4(address);
  return cidrContainsAddress(subnet, value) && value > subnet.network + 3 && value < lastAddress(subnet);
}

export interface AllocateIpv4Options {
  /**
   * Start the search after this address and wrap around, so an address freed a moment ago is
   * handed out last: peers may still hold the old task's MAC for it in their ARP caches.
   * @default the search starts at the first usable address
   */
  readonly after?: string;
}

/**
 * Picks a free address of the subnet for a new ENI, skipping the reserved ones and `used`.
 * Returns undefined when the subnet is full. Walks at most the subnet's size, and usually stops
 * at the first address it tries.
 */
export function allocateIpv4(
  subnet: Ipv4Cidr,
  used: ReadonlySet<string> | Iterable<string>,
  options: AllocateIpv4Options = {},
): string | undefined {
  assertSubnetSize(subnet);
  const taken = new Set<number>();
  for (const address of used) taken.add(parseIpv4(address));
  const first = subnet.network + 4;
  const last = lastAddress(subnet) - 1;
  const count = last - first + 1;
  let start = first;
  if (options.after !== undefined) {
    const after = parseIpv4(options.after);
    if (after >= first && after < last) start = after + 1;
  }
  for (let i = 0; i < count; i++) {
    const candidate = first + ((start - first + i) % count);
    if (!taken.has(candidate)) return formatIpv4(candidate);
  }
  return undefined;
}

function assertSubnetSize(subnet: Ipv4Cidr): void {
  if (subnet.prefixLength > SUBNET_PREFIX_LENGTHS.max) {
    throw new RangeError(`Subnet '${formatCidr(subnet)}' is smaller than a /${SUBNET_PREFIX_LENGTHS.max}`);
  }
}

/**
 * A MAC address for an ENI that is the same every time for the same id: locally administered
 * (bit 1 of the first octet set) and unicast (bit 0 clear), like AWS's own `0a:..` / `02:..`.
 */
export function macAddressFromId(id: string): string {
  const hash = fnv1a64(id);
  const octets: number[] = [];
  for (let i = 0; i < 6; i++) octets.push(Number((hash >> BigInt(8 * (7 - i))) & 0xffn));
  octets[0] = ((octets[0] ?? 0) & 0xfc) | 0x02;
  return octets.map((octet) => octet.toString(16).padStart(2, '0')).join(':');
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** True for a lowercase colon-separated MAC that is unicast and not all zeros. */
export function isUnicastMacAddress(text: string): boolean {
  if (!MAC.test(text) || text === '00:00:00:00:00:00') return false;
  return (Number.parseInt(text.slice(0, 2), 16) & 1) === 0;
}

/** 64-bit FNV-1a over the UTF-8 bytes: tiny, stable across versions, and free of node:crypto. */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffff_ffff_ffff_ffffn;
  }
  return hash;
}
