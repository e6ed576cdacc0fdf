import { z } from 'zod';
import type { Ipv4Cidr } from '../../core/cidr.ts';
import { cidrOf, cidrsOverlap, parseCidr, parseIpv4 } from '../../core/cidr.ts';
import type { SubnetState } from './host-inventory.ts';
import { NetworkError } from './network-error.ts';
import type { ResolvedSubnet } from './network-spec.ts';

const Route = z.object({ dst: z.string(), dev: z.string().optional(), type: z.string().optional() });

/**
 * Refuses a subnet that cannot be routed on this host: one routing table serves every VPC, so
 * VPC CIDRs may not overlap each other nor a route the host already has (its LAN, a VPN,
 * docker0, or another neargate's bridges). AWS allows overlapping VPCs; doing that here would take
 * a VRF per VPC, and the host could no longer reach every task IP from its main table.
 *
 * `subnets` are this prefix's subnets found on the host; `routes` is `ip -j route show table main`.
 */
export function checkSubnetConflicts(
  subnet: ResolvedSubnet,
  subnets: readonly SubnetState[],
  routes: unknown,
): void {
  const data = { subnetId: subnet.subnetId, cidr: subnet.cidr, vpcId: subnet.vpcId, vpcCidr: subnet.vpcCidr };
  for (const other of subnets) {
    if (other.subnetId === subnet.subnetId) {
      if (other.cidr !== subnet.cidr || other.vpcId !== subnet.vpcId || other.vpcCidr !== subnet.vpcCidr) {
        throw new NetworkError(
          'CidrConflict',
          `Subnet '${subnet.subnetId}' exists on this host as '${other.cidr}' in '${other.vpcId}' (${other.vpcCidr})`,
          { ...data, existing: other },
        );
      }
      if (other.bridge !== subnet.bridge) {
        throw new NetworkError(
          'NameCollision',
          `Subnet '${subnet.subnetId}' exists on this host with bridge '${other.bridge}', not '${subnet.bridge}'`,
          { ...data, existing: other },
        );
      }
      continue;
    }
    if (other.bridge === subnet.bridge) {
      throw new NetworkError(
        'NameCollision',
        `Bridge '${subnet.bridge}' belongs to subnet '${other.subnetId}'`,
        {
          ...data,
          existing: other,
        },
      );
    }
    if (cidrsOverlap(parseCidr(other.cidr), subnet.block)) {
      throw new NetworkError(
        'CidrConflict',
        `The CIDR '${subnet.cidr}' conflicts with another subnet ('${other.subnetId}', ${other.cidr})`,
        { ...data, existing: other },
      );
    }
    if (other.vpcId === subnet.vpcId && other.vpcCidr !== subnet.vpcCidr) {
      throw new NetworkError(
        'CidrConflict',
        `VPC '${subnet.vpcId}' has the CIDR '${other.vpcCidr}' on this host, not '${subnet.vpcCidr}'`,
        { ...data, existing: other },
      );
    }
    if (other.vpcId !== subnet.vpcId && cidrsOverlap(parseCidr(other.vpcCidr), subnet.vpcBlock)) {
      throw new NetworkError(
        'CidrConflict',
        `The CIDR '${subnet.vpcCidr}' of '${subnet.vpcId}' overlaps '${other.vpcCidr}' of '${other.vpcId}' on this host`,
        { ...data, existing: other },
      );
    }
  }
  const ownBridges = new Set([subnet.bridge, ...subnets.map((other) => other.bridge)]);
  for (const route of z.array(Route).parse(routes)) {
    if (route.dst === 'default' || (route.dev !== undefined && ownBridges.has(route.dev))) continue;
    const block = routeBlock(route.dst);
    if (block && cidrsOverlap(block, subnet.vpcBlock)) {
      throw new NetworkError(
        'HostRouteConflict',
        `The CIDR '${subnet.vpcCidr}' of '${subnet.vpcId}' overlaps the host route '${route.dst}'${route.dev ? ` on '${route.dev}'` : ''}`,
        { ...data, route },
      );
    }
  }
}

/**
 * The IPv4 blocks the host routes through interfaces other than `ownBridges`: where a new VPC
 * must not go. `routes` is `ip -j route show table main`.
 */
export function foreignRouteBlocks(routes: unknown, ownBridges: ReadonlySet<string>): Ipv4Cidr[] {
  const blocks: Ipv4Cidr[] = [];
  for (const route of z.array(Route).parse(routes)) {
    if (route.dst === 'default' || (route.dev !== undefined && ownBridges.has(route.dev))) continue;
    const block = routeBlock(route.dst);
    if (block) blocks.push(block);
  }
  return blocks;
}

/** `10.0.0.0/8`, or a bare address for a /32 host route; anything else (IPv6) is skipped. */
function routeBlock(dst: string): Ipv4Cidr | undefined {
  try {
    return dst.includes('/')
      ? cidrOf(dst.slice(0, dst.indexOf('/')), Number(dst.slice(dst.indexOf('/') + 1)))
      : cidrOf(parseIpv4(dst), 32);
  } catch {
    return undefined;
  }
}
