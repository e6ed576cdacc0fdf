import type { Kysely } from 'kysely';
import { cidrContainsAddress, isIpv4, parseCidr } from '../../core/cidr.ts';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { TargetGroupRecord } from '../../core/elbv2/elbv2-records.ts';
import { getVpc, subnetsOfVpc } from '../../store/networks.ts';
import type { Database } from '../../store/schema.ts';

/** A target as RegisterTargets and DeregisterTargets name it. */
export interface WireTarget {
  Id?: string | undefined;
  Port?: number | undefined;
  AvailabilityZone?: string | undefined;
}

/** Private ranges an IP target outside its group's VPC may be in (with Availability Zone `all`). */
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map(parseCidr);

/** A target's id and port: the group's port when the request names none. */
export function targetKey(tg: TargetGroupRecord, t: WireTarget): { id: string; port: number } {
  if (!t.Id) throw validationError('A target ID must be specified');
  if (tg.targetType === 'ip' && !isIpv4(t.Id))
    throw validationError(`The IP address '${t.Id}' is not a valid IPv4 address`);
  return { id: t.Id, port: t.Port ?? tg.port };
}

/**
 * Where a target to register is: an IP address of a subnet of the group's VPC is in that subnet's
 * zone; one outside the VPC must be private, with Availability Zone `all`, as ELB allows.
 * neargate runs no EC2 instances, so instance targets are refused.
 */
export async function placeTarget(
  db: Kysely<Database>,
  tg: TargetGroupRecord,
  t: WireTarget,
): Promise<{ id: string; port: number; availabilityZone?: string }> {
  const key = targetKey(tg, t);
  if (tg.targetType === 'instance')
    throw elbError(
      'InvalidTarget',
      `The following targets are not valid instances: '${key.id}' (neargate runs no EC2 instances)`,
    );
  const vpc = await getVpc(db, tg.vpcId);
  if (vpc && cidrContainsAddress(parseCidr(vpc.cidr), key.id)) {
    const subnet = (await subnetsOfVpc(db, vpc.vpc_id)).find((s) =>
      cidrContainsAddress(parseCidr(s.cidr), key.id),
    );
    if (!subnet)
      throw elbError(
        'InvalidTarget',
        `The IP address '${key.id}' is not in a subnet of the VPC '${vpc.vpc_id}'`,
      );
    if (t.AvailabilityZone !== undefined && t.AvailabilityZone !== subnet.availability_zone)
      throw validationError(
        `The Availability Zone '${t.AvailabilityZone}' of target '${key.id}' is not the zone of its subnet, '${subnet.availability_zone}'`,
      );
    return { ...key, availabilityZone: subnet.availability_zone };
  }
  if (!PRIVATE.some((c) => cidrContainsAddress(c, key.id)))
    throw elbError(
      'InvalidTarget',
      `The IP address '${key.id}' is outside the VPC and not a private address`,
    );
  if (t.AvailabilityZone !== 'all')
    throw validationError(
      `The IP address '${key.id}' is outside the VPC of the target group, so its Availability Zone must be 'all'`,
    );
  return { ...key, availabilityZone: 'all' };
}
