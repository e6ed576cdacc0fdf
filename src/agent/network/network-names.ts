import { createHash } from 'node:crypto';
import { NetworkError } from './network-error.ts';

/** Where `ip netns add` bind-mounts namespaces; fixed at iproute2's build time. */
export const NETNS_DIR = '/run/netns';

/** Linux interface names hold at most 15 characters (IFNAMSIZ is 16 with the NUL). */
export const MAX_INTERFACE_NAME_LENGTH = 15;

const PREFIX = /^[a-z][a-z0-9]{0,3}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Every name neargate gives a host object, derived from a short prefix so that a test run, or a
 * second neargate on the host, never touches another one's objects:
 * - netns `<prefix>-<taskId>` under /run/netns,
 * - host veth `<prefix>-v<hash of taskId>` and bridge `<prefix>-b<hash of subnetId>` (15 characters),
 * - nftables tables `ip <table>` and `bridge <table>`,
 * - `<prefix>-svc`, the port-less bridge that holds host service addresses (169.254.170.2).
 * Interface names are hashes because ids are longer than 15 characters; each interface's alias
 * records what it belongs to, which is what `list()` trusts.
 */
export class NetworkNames {
  readonly prefix: string;
  /** `neargate` for the default prefix, `neargate_<prefix>` for others. */
  readonly table: string;
  /** First word of every interface alias neargate writes. */
  readonly aliasTag: string;
  /**
   * The interface that holds this prefix's host service addresses: a bridge without ports, so
   * that several neargates on one host each hold 169.254.170.2 (on `lo` an address exists once)
   * and removing one's leaves the others'.
   */
  readonly hostLink: string;
  readonly #hashLength: number;

  constructor(prefix = 'ng') {
    if (!PREFIX.test(prefix)) {
      throw new TypeError(
        `Network name prefix '${prefix}' must be 1-4 lowercase letters or digits, starting with a letter`,
      );
    }
    this.prefix = prefix;
    this.table = prefix === 'ng' ? 'neargate' : `neargate_${prefix}`;
    this.aliasTag = `neargate:${prefix}`;
    this.hostLink = `${prefix}-svc`;
    this.#hashLength = MAX_INTERFACE_NAME_LENGTH - prefix.length - 2;
  }

  netnsName(taskId: string): string {
    checkId('task', taskId);
    return `${this.prefix}-${taskId}`;
  }

  netnsPath(taskId: string): string {
    return `${NETNS_DIR}/${this.netnsName(taskId)}`;
  }

  /** The task id a netns name of this prefix stands for, or undefined if the name is not ours. */
  taskIdOfNetns(name: string): string | undefined {
    const head = `${this.prefix}-`;
    if (!name.startsWith(head)) return undefined;
    const taskId = name.slice(head.length);
    return ID.test(taskId) ? taskId : undefined;
  }

  hostVeth(taskId: string): string {
    checkId('task', taskId);
    return `${this.prefix}-v${this.#hash(`task:${taskId}`)}`;
  }

  /** An nftables interface name pattern that matches every host veth of this prefix, and nothing else of it. */
  get hostVethPattern(): string {
    return `${this.prefix}-v*`;
  }

  bridge(subnetId: string): string {
    checkId('subnet', subnetId);
    return `${this.prefix}-b${this.#hash(`subnet:${subnetId}`)}`;
  }

  /** True for interface names of the shape this prefix produces (not proof of ownership: see aliases). */
  isOwnInterfaceName(name: string): boolean {
    return name.startsWith(`${this.prefix}-`) && name.length === MAX_INTERFACE_NAME_LENGTH;
  }

  #hash(text: string): string {
    return createHash('sha256').update(text).digest('hex').slice(0, this.#hashLength);
  }
}

/** Ids end up in file names, interface aliases and ip batch lines, so only plain characters pass. */
export function checkId(kind: 'task' | 'subnet' | 'vpc' | 'eni', id: string): void {
  if (!ID.test(id))
    throw new NetworkError('InvalidSpec', `Invalid ${kind} id '${id}'`, { [`${kind}Id`]: id });
}

export function isValidId(id: string): boolean {
  return ID.test(id);
}
