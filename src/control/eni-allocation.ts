import type { Kysely } from 'kysely';
import { cidrOf, firstFreeCidr, formatCidr, parseCidr } from '../core/cidr.ts';
import { ecsError } from '../core/ecs/ecs-errors.ts';
import type { EniPlan } from '../core/ecs/task.ts';
import { allocateIpv4, macAddressFromId } from '../core/ipam.ts';
import type { Scope } from '../core/scope.ts';
import {
  allVpcCidrs,
  getDefaultVpc,
  getSubnet,
  getVpc,
  insertNetworkInterface,
  insertSubnet,
  insertVpc,
  lastAddress,
  subnetsOfVpc,
  usedAddresses,
} from '../store/networks.ts';
import type { Database, SubnetRow, VpcRow } from '../store/schema.ts';
import type { LaunchContext } from './task-launcher.ts';

/** A default VPC's subnets are /20s, as in AWS's default VPCs. */
const DEFAULT_SUBNET_PREFIX = 20;

export const SUBNET_ID = /^subnet-[0-9a-zA-Z]{1,32}$/;

/** The account's default VPC in this region, made on first use (ELB target groups take it too). */
export async function defaultVpc(
  tx: Kysely<Database>,
  ctx: Pick<LaunchContext, 'scope' | 'now' | 'ids' | 'defaultVpcCidrs'>,
): Promise<VpcRow> {
  const found = await getDefaultVpc(tx, ctx.scope);
  if (found) return found;
  const taken = (await allVpcCidrs(tx)).map(parseCidr);
  const cidr = firstFreeCidr(ctx.defaultVpcCidrs.map(parseCidr), taken);
  if (!cidr) throw ecsError('ServerException', 'No address space is left on this host for another VPC.');
  const row: VpcRow = {
    vpc_id: `vpc-${ctx.ids.hex(9).slice(0, 17)}`,
    account: ctx.scope.account,
    region: ctx.scope.region,
    cidr: formatCidr(cidr),
    is_default: 1,
    created_at: ctx.now,
  };
  await insertVpc(tx, row);
  return row;
}

/**
 * The subnet a task asks for. A subnet id nobody created lands in the default VPC, taking the
 * next free /20 and the next availability zone, so any `subnet-…` a user names just works.
 */
export async function resolveSubnet(
  tx: Kysely<Database>,
  ctx: LaunchContext,
  subnetId: string,
): Promise<SubnetRow> {
  if (!SUBNET_ID.test(subnetId)) {
    throw ecsError(
      'InvalidParameterException',
      `Error retrieving subnet information for [${subnetId}]: The subnet ID '${subnetId}' is malformed (ErrorCode: InvalidSubnetID.Malformed)`,
    );
  }
  const found = await getSubnet(tx, subnetId);
  if (found) {
    if (found.account !== ctx.scope.account || found.region !== ctx.scope.region) {
      throw ecsError(
        'InvalidParameterException',
        `Error retrieving subnet information for [${subnetId}]: The subnet ID '${subnetId}' does not exist (ErrorCode: InvalidSubnetID.NotFound)`,
      );
    }
    return found;
  }
  const vpc = await defaultVpc(tx, ctx);
  const vpcCidr = parseCidr(vpc.cidr);
  const siblings = await subnetsOfVpc(tx, vpc.vpc_id);
  const candidates = Array.from({ length: 2 ** (DEFAULT_SUBNET_PREFIX - vpcCidr.prefixLength) }, (_, i) =>
    cidrOf(vpcCidr.network + i * 2 ** (32 - DEFAULT_SUBNET_PREFIX), DEFAULT_SUBNET_PREFIX),
  );
  const cidr = firstFreeCidr(
    candidates,
    siblings.map((s) => parseCidr(s.cidr)),
  );
  if (!cidr)
    throw ecsError(
      'InvalidParameterException',
      `The default VPC ${vpc.vpc_id} has no room for another subnet.`,
    );
  const row: SubnetRow = {
    subnet_id: subnetId,
    account: ctx.scope.account,
    region: ctx.scope.region,
    vpc_id: vpc.vpc_id,
    cidr: formatCidr(cidr),
    availability_zone: `${ctx.scope.region}${'abcdef'[siblings.length % 6]}`,
    created_at: ctx.now,
  };
  await insertSubnet(tx, row);
  return row;
}

/** Takes an address in the subnet for a task's ENI; undefined when the subnet is full. */
export async function allocateEni(
  tx: Kysely<Database>,
  ctx: LaunchContext,
  subnet: SubnetRow,
  taskId: string,
  opts: { assignPublicIp: boolean; securityGroups: string[] },
): Promise<EniPlan | undefined> {
  const vpc = (await getVpc(tx, subnet.vpc_id))!;
  const ipv4 = allocateIpv4(parseCidr(subnet.cidr), await usedAddresses(tx, subnet.subnet_id), {
    ...optional('after', await lastAddress(tx, subnet.subnet_id)),
  });
  if (ipv4 === undefined) return undefined;
  const eniId = `eni-${ctx.ids.hex(9).slice(0, 17)}`;
  const mac = macAddressFromId(eniId);
  await insertNetworkInterface(tx, {
    eni_id: eniId,
    subnet_id: subnet.subnet_id,
    ipv4,
    mac,
    task_id: taskId,
    created_at: ctx.now,
  });
  return {
    attachmentId: ctx.ids.uuid(),
    eniId,
    vpcId: vpc.vpc_id,
    vpcCidr: vpc.cidr,
    subnetId: subnet.subnet_id,
    subnetCidr: subnet.cidr,
    availabilityZone: subnet.availability_zone,
    ipv4,
    mac,
    privateDnsName: privateDnsName(ctx.scope, ipv4),
    assignPublicIp: opts.assignPublicIp,
    securityGroups: opts.securityGroups,
  };
}

/** EC2's internal host names: `ip-172-31-0-4.ec2.internal` in us-east-1, `….<region>.compute.internal` elsewhere. */
export function privateDnsName(scope: Scope, ipv4: string): string {
  const host = `ip-${ipv4.replaceAll('.', '-')}`;
  return scope.region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${scope.region}.compute.internal`;
}

const optional = <K extends string, V>(k: K, v: V | undefined) =>
  v === undefined ? {} : ({ [k]: v } as Record<K, V>);
