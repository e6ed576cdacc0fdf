import type { Ipv4Cidr } from '../../core/cidr.ts';
import { cidrContains, formatCidr, formatIpv4, gatewayAddress, parseCidr } from '../../core/cidr.ts';
import {
  isUnicastMacAddress,
  isUsableAddress,
  macAddressFromId,
  SUBNET_PREFIX_LENGTHS,
} from '../../core/ipam.ts';
import { NetworkError } from './network-error.ts';
import type { NetworkNames } from './network-names.ts';
import { checkId, MAX_INTERFACE_NAME_LENGTH } from './network-names.ts';

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface CreateTaskNetnsOptions extends CallOptions {
  /**
   * Called once the namespace exists, with the task's end of the veth in it, while its addresses
   * and routes are still being set: containers may be created in it then, not started.
   */
  readonly onNamespace?: () => void;
}

/** A subnet as the control plane knows it (DescribeSubnets' words). */
export interface SubnetSpec {
  readonly vpcId: string;
  /** The VPC's CIDR, /16 to /28 as on AWS; VPCs on one host may not overlap. */
  readonly vpcCidr: string;
  readonly subnetId: string;
  /** /16 to /28, inside `vpcCidr`. */
  readonly cidr: string;
  /** @default `<prefix>-b<hash of subnetId>` */
  readonly bridgeName?: string;
  /**
   * A private subnet whose route table sends 0.0.0.0/0 to a NAT gateway: every task in it may
   * leave the VPC, masqueraded, whatever its assignPublicIp.
   * @default false
   */
  readonly privateWithNat?: boolean;
}

/** ECS's AssignPublicIp of awsvpcConfiguration. */
export type AssignPublicIp = 'ENABLED' | 'DISABLED';

/** The task's ENI as the control plane chose it. */
export interface TaskEniSpec {
  readonly subnet: SubnetSpec;
  /** From the subnet's usable addresses (see allocateIpv4 in core/ipam.ts). */
  readonly ipv4: string;
  /** Lowercase and unicast, e.g. from macAddressFromId(eniId). */
  readonly macAddress: string;
  readonly assignPublicIp: AssignPublicIp;
  /** Recorded on the host veth so a restarted agent can report it. */
  readonly eniId?: string;
}

/** A validated subnet with everything derived from it. */
export interface ResolvedSubnet {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly vpcCidr: string;
  readonly block: Ipv4Cidr;
  readonly vpcBlock: Ipv4Cidr;
  readonly prefixLength: number;
  readonly gateway: string;
  readonly bridge: string;
  /** Fixed, so the bridge keeps its MAC as ports come and go and tasks' ARP caches stay right. */
  readonly bridgeMac: string;
  readonly privateWithNat: boolean;
}

const BRIDGE_NAME = /^[A-Za-z0-9_-]+$/;

export function resolveSubnet(spec: SubnetSpec, names: NetworkNames): ResolvedSubnet {
  checkId('subnet', spec.subnetId);
  checkId('vpc', spec.vpcId);
  const vpcBlock = parseBlock(spec.vpcCidr, 'VPC', spec);
  const block = parseBlock(spec.cidr, 'subnet', spec);
  if (!cidrContains(vpcBlock, block)) {
    throw new NetworkError(
      'InvalidSpec',
      `The CIDR '${spec.cidr}' of subnet '${spec.subnetId}' is not within the CIDR '${spec.vpcCidr}' of '${spec.vpcId}'`,
      { ...spec },
    );
  }
  const bridge = spec.bridgeName ?? names.bridge(spec.subnetId);
  if (!BRIDGE_NAME.test(bridge) || bridge.length > MAX_INTERFACE_NAME_LENGTH) {
    throw new NetworkError('InvalidSpec', `Invalid bridge name '${bridge}'`, { bridge });
  }
  return {
    subnetId: spec.subnetId,
    vpcId: spec.vpcId,
    cidr: formatCidr(block),
    vpcCidr: formatCidr(vpcBlock),
    block,
    vpcBlock,
    prefixLength: block.prefixLength,
    gateway: formatIpv4(gatewayAddress(block)),
    bridge,
    bridgeMac: macAddressFromId(`bridge:${spec.subnetId}`),
    privateWithNat: spec.privateWithNat ?? false,
  };
}

/** Checks the ENI's address and MAC against its subnet. */
export function checkTaskEni(eni: TaskEniSpec, subnet: ResolvedSubnet): void {
  let usable = false;
  try {
    usable = isUsableAddress(subnet.block, eni.ipv4);
  } catch {}
  if (!usable) {
    throw new NetworkError(
      'InvalidSpec',
      `The address '${eni.ipv4}' is not a usable address of subnet '${subnet.subnetId}' (${subnet.cidr})`,
      { ipv4: eni.ipv4, cidr: subnet.cidr },
    );
  }
  if (!isUnicastMacAddress(eni.macAddress)) {
    throw new NetworkError('InvalidSpec', `Invalid MAC address '${eni.macAddress}'`, {
      macAddress: eni.macAddress,
    });
  }
  if (eni.assignPublicIp !== 'ENABLED' && eni.assignPublicIp !== 'DISABLED') {
    throw new NetworkError('InvalidSpec', `Invalid assignPublicIp '${String(eni.assignPublicIp)}'`);
  }
  if (eni.eniId !== undefined) checkId('eni', eni.eniId);
}

function parseBlock(text: string, kind: 'VPC' | 'subnet', spec: SubnetSpec): Ipv4Cidr {
  let block: Ipv4Cidr;
  try {
    block = parseCidr(text);
  } catch (error) {
    throw new NetworkError('InvalidSpec', `The CIDR '${text}' is invalid`, { ...spec }, { cause: error });
  }
  if (block.prefixLength < SUBNET_PREFIX_LENGTHS.min || block.prefixLength > SUBNET_PREFIX_LENGTHS.max) {
    throw new NetworkError(
      'InvalidSpec',
      `The ${kind} CIDR '${text}' is invalid: the prefix length must be between /${SUBNET_PREFIX_LENGTHS.min} and /${SUBNET_PREFIX_LENGTHS.max}`,
      { ...spec },
    );
  }
  return block;
}
