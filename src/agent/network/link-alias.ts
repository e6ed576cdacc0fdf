import { isCidr, isIpv4 } from '../../core/cidr.ts';
import { isUnicastMacAddress } from '../../core/ipam.ts';
import { isValidId } from './network-names.ts';

/** What a subnet bridge's alias records, so a restarted agent knows the subnet without a database. */
export interface SubnetAlias {
  readonly kind: 'subnet';
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly vpcCidr: string;
  readonly privateWithNat: boolean;
}

/** What a task's host veth alias records; `deleteTaskNetns` and `list()` read it back. */
export interface TaskAlias {
  readonly kind: 'task';
  readonly taskId: string;
  readonly subnetId: string;
  readonly ipv4: string;
  readonly macAddress: string;
  readonly assignPublicIp: boolean;
  readonly eniId?: string;
}

/** The host service link (NetworkNames.hostLink), which records nothing but what it is. */
export interface HostLinkAlias {
  readonly kind: 'host';
}

export type LinkAlias = SubnetAlias | TaskAlias | HostLinkAlias;

/**
 * `<tag> <kind> key=value ...`: one line, no quotes needed, well under the kernel's 255 bytes
 * (IFALIASZ), and readable in `ip link` output.
 */
export function formatLinkAlias(tag: string, alias: LinkAlias): string {
  if (alias.kind === 'host') return `${tag} host`;
  const fields =
    alias.kind === 'subnet'
      ? [
          ['id', alias.subnetId],
          ['vpc', alias.vpcId],
          ['cidr', alias.cidr],
          ['vpc-cidr', alias.vpcCidr],
          ['nat', alias.privateWithNat ? '1' : '0'],
        ]
      : [
          ['id', alias.taskId],
          ['subnet', alias.subnetId],
          ['ip', alias.ipv4],
          ['mac', alias.macAddress],
          ['public', alias.assignPublicIp ? '1' : '0'],
          ...(alias.eniId === undefined ? [] : [['eni', alias.eniId]]),
        ];
  return [tag, alias.kind, ...fields.map(([key, value]) => `${key}=${value}`)].join(' ');
}

/** Reads an alias written by {@link formatLinkAlias} with this tag; anything else is undefined. */
export function parseLinkAlias(tag: string, text: string | undefined): LinkAlias | undefined {
  if (text === undefined) return undefined;
  const [head, kind, ...pairs] = text.trim().split(' ');
  if (head !== tag) return undefined;
  const fields = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) return undefined;
    fields.set(pair.slice(0, at), pair.slice(at + 1));
  }
  if (kind === 'host') return pairs.length === 0 ? { kind } : undefined;
  if (kind === 'subnet') {
    const subnetId = fields.get('id') ?? '';
    const vpcId = fields.get('vpc') ?? '';
    const cidr = fields.get('cidr') ?? '';
    const vpcCidr = fields.get('vpc-cidr') ?? '';
    if (!isValidId(subnetId) || !isValidId(vpcId) || !isCidr(cidr) || !isCidr(vpcCidr)) return undefined;
    return { kind, subnetId, vpcId, cidr, vpcCidr, privateWithNat: fields.get('nat') === '1' };
  }
  if (kind === 'task') {
    const taskId = fields.get('id') ?? '';
    const subnetId = fields.get('subnet') ?? '';
    const ipv4 = fields.get('ip') ?? '';
    const macAddress = fields.get('mac') ?? '';
    const eniId = fields.get('eni');
    if (!isValidId(taskId) || !isValidId(subnetId) || !isIpv4(ipv4) || !isUnicastMacAddress(macAddress)) {
      return undefined;
    }
    if (eniId !== undefined && !isValidId(eniId)) return undefined;
    const alias: TaskAlias = {
      kind,
      taskId,
      subnetId,
      ipv4,
      macAddress,
      assignPublicIp: fields.get('public') === '1',
    };
    return eniId === undefined ? alias : { ...alias, eniId };
  }
  return undefined;
}
