import { createHash } from 'node:crypto';

/**
 * Puts load balancers' task addresses on the host and lets tasks reach the listeners bound there,
 * those alone (agent/'s TaskNetwork does it).
 */
export interface HostAddresses {
  ensure(ipv4: string): Promise<void>;
  /** Takes the address off the host, with every port opened at it. */
  remove(ipv4: string): Promise<void>;
  /** Lets tasks connect to a listener bound at `ipv4:port` (TCP). */
  openPort(ipv4: string, port: number): Promise<void>;
  /** Stops tasks' new connections to `ipv4:port`; those they have go on. */
  closePort(ipv4: string, port: number): Promise<void>;
}

/**
 * Where load balancers take the addresses tasks reach them at: 169.254.128.0/17, link-local like
 * the other host services of AWS (169.254.169.253 for DNS, 169.254.170.2 for task metadata) and
 * clear of them. Tasks cannot reach a load balancer's 127.x.y.z: that is their own loopback.
 */
export const TASK_ADDRESS_BLOCK = '169.254.128.0/17';
const SLOTS = 32_766;

/**
 * The task address of a load balancer: a slot of the block picked by a hash of its ARN (so it is
 * the same after a restart, and servers sharing a host rarely pick the same one), past the slots
 * `taken` by this data plane's other load balancers.
 */
export function taskAddressFor(arn: string, taken: ReadonlySet<string>): string {
  for (let attempt = 0; attempt < SLOTS; attempt++) {
    const hash = createHash('sha256').update(`${arn}#${attempt}`).digest();
    const slot = 1 + (hash.readUInt32BE(0) % SLOTS);
    const address = `169.254.${128 + (slot >> 8)}.${slot & 0xff}`;
    if (!taken.has(address)) return address;
  }
  throw new RangeError('No free load balancer task address');
}
