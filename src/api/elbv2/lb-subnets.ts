import type { Kysely } from 'kysely';
import { resolveSubnet, SUBNET_ID } from '../../control/eni-allocation.ts';
import { cidrContainsAddress, isIpv4, parseCidr } from '../../core/cidr.ts';
import type { LbType } from '../../core/elbv2/elbv2-arn.ts';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { LbZone } from '../../core/elbv2/elbv2-records.ts';
import { ServiceError } from '../../core/service-error.ts';
import { getSubnet } from '../../store/networks.ts';
import type { Database } from '../../store/schema.ts';
import { launchContext } from '../ecs/launch-context.ts';
import type { OperationContext } from '../operation.ts';

/** A subnet as CreateLoadBalancer names it: in Subnets, or as a SubnetMapping. */
export interface SubnetChoice {
  SubnetId?: string | undefined;
  AllocationId?: string | undefined;
  PrivateIPv4Address?: string | undefined;
  IPv6Address?: string | undefined;
  SourceNatIpv6Prefix?: string | undefined;
}

/**
 * The zones a load balancer's subnets put it in. Subnets land in the account's default VPC the
 * way ECS tasks' subnets do (a subnet id nobody created is made on first use, in the next zone);
 * as on AWS, an Application Load Balancer needs subnets in two zones at least, and no load
 * balancer takes two subnets of one zone.
 */
export async function resolveZones(
  tx: Kysely<Database>,
  ctx: OperationContext,
  type: LbType,
  choices: readonly SubnetChoice[],
): Promise<{ vpcId: string; zones: LbZone[] }> {
  if (type === 'application' && choices.length < 2)
    throw validationError('At least two subnets in two different Availability Zones must be specified');
  if (choices.length === 0) throw validationError('At least one subnet must be specified');
  const zones: LbZone[] = [];
  let vpcId: string | undefined;
  for (const c of choices) {
    const id = c.SubnetId;
    if (id === undefined || !SUBNET_ID.test(id))
      throw validationError(`The subnet ID '${id ?? ''}' is not valid`);
    if (c.AllocationId !== undefined)
      throw elbError(
        'AllocationIdNotFound',
        `The allocation ID '${c.AllocationId}' does not exist (neargate has no Elastic IPs)`,
      );
    if (c.IPv6Address !== undefined || c.SourceNatIpv6Prefix !== undefined)
      throw elbError('InvalidConfigurationRequest', 'neargate load balancers are IPv4 only');
    const existing = await getSubnet(tx, id);
    if (existing && (existing.account !== ctx.scope.account || existing.region !== ctx.scope.region))
      throw elbError('SubnetNotFound', `The subnet ID '${id}' does not exist`);
    const subnet = await asElbError(() => resolveSubnet(tx, launchContext(ctx), id));
    if (vpcId !== undefined && subnet.vpc_id !== vpcId)
      throw elbError('InvalidConfigurationRequest', 'All subnets of a load balancer must be in the same VPC');
    vpcId = subnet.vpc_id;
    if (zones.some((z) => z.zoneName === subnet.availability_zone))
      throw elbError(
        'InvalidConfigurationRequest',
        'A load balancer cannot be attached to multiple subnets in the same Availability Zone',
      );
    if (c.PrivateIPv4Address !== undefined) {
      if (type !== 'network')
        throw validationError('Private IPv4 addresses can only be specified for Network Load Balancers');
      if (!isIpv4(c.PrivateIPv4Address) || !cidrContainsAddress(parseCidr(subnet.cidr), c.PrivateIPv4Address))
        throw elbError(
          'InvalidConfigurationRequest',
          `The private IPv4 address '${c.PrivateIPv4Address}' is not in the CIDR of subnet '${id}' (${subnet.cidr})`,
        );
    }
    zones.push({
      zoneName: subnet.availability_zone,
      subnetId: id,
      ...(c.PrivateIPv4Address !== undefined && { privateIPv4Address: c.PrivateIPv4Address }),
    });
  }
  return { vpcId: vpcId!, zones };
}

/** The default VPC's own refusals (its address space is spent) in ELB's words. */
async function asElbError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ServiceError) throw elbError('InvalidConfigurationRequest', err.message);
    throw err;
  }
}
