import type {
  CreateLoadBalancerInput,
  CreateLoadBalancerOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseCidr } from '../../core/cidr.ts';
import { defaultsOf } from '../../core/elbv2/attribute-specs.ts';
import { type LbType, loadBalancerArn } from '../../core/elbv2/elbv2-arn.ts';
import { elbError } from '../../core/elbv2/elbv2-errors.ts';
import type { LbScheme, LoadBalancerRecord } from '../../core/elbv2/elbv2-records.ts';
import { checkTags, MAX_TAGS, tooManyTags } from '../../core/elbv2/elbv2-tags.ts';
import { allocateLoopbackAddress } from '../../core/elbv2/lb-address.ts';
import { loadBalancerAttributeSpecs } from '../../core/elbv2/lb-attributes.ts';
import { checkLoadBalancerName, loadBalancerDnsName } from '../../core/elbv2/lb-names.ts';
import type { Wire } from '../../core/wire.ts';
import { retryOnConflict } from '../../store/conflicts.ts';
import {
  countLoadBalancers,
  getLoadBalancerByName,
  heldAddresses,
  insertLoadBalancer,
  lockHostAddresses,
} from '../../store/load-balancers.ts';
import { putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { loadBalancerView } from './elbv2-views.ts';
import { resolveZones } from './lb-subnets.ts';

/** ELB's quota of load balancers of each type in a region. */
export const MAX_LOAD_BALANCERS = 50;
const SECURITY_GROUP = /^sg-[0-9a-zA-Z]{1,32}$/;

/**
 * Creates an Application or Network Load Balancer in the caller's default VPC, with its own
 * loopback address on this host. It is `provisioning` until the host's data plane runs it. As on
 * AWS, creating one again with the same settings answers the one that exists.
 */
export async function createLoadBalancer(
  ctx: OperationContext,
  input: Wire<CreateLoadBalancerInput>,
): Promise<Wire<CreateLoadBalancerOutput>> {
  const name = input.Name!;
  checkLoadBalancerName(name);
  const type = (input.Type ?? 'application') as LbType | 'gateway';
  if (type === 'gateway')
    throw elbError(
      'InvalidConfigurationRequest',
      "Load balancers of type 'gateway' are not supported by neargate",
    );
  const scheme: LbScheme = input.Scheme ?? 'internet-facing';
  if ((input.IpAddressType ?? 'ipv4') !== 'ipv4')
    throw elbError(
      'InvalidConfigurationRequest',
      `IP address type '${input.IpAddressType}' is not supported by neargate, whose load balancers are IPv4 only`,
    );
  if (input.CustomerOwnedIpv4Pool !== undefined || input.IpamPools !== undefined)
    throw elbError(
      'InvalidConfigurationRequest',
      'Customer-owned and IPAM address pools are not supported by neargate',
    );
  if (input.Subnets !== undefined && input.SubnetMappings !== undefined)
    throw elbError('ValidationError', 'You can specify subnets or subnet mappings, not both');
  const securityGroups = [...new Set(input.SecurityGroups ?? [])];
  for (const sg of securityGroups)
    if (!SECURITY_GROUP.test(sg))
      throw elbError('InvalidSecurityGroup', `Security group '${sg}' is not valid`);
  const tags = checkTags(input.Tags ?? []);
  if (tags.length > MAX_TAGS) throw tooManyTags();
  const choices = input.SubnetMappings ?? (input.Subnets ?? []).map((SubnetId) => ({ SubnetId }));

  const attempt = () =>
    ctx.deps.store.write(async (tx) => {
      const { vpcId, zones } = await resolveZones(tx, ctx, type, choices);
      const existing = await getLoadBalancerByName(tx, ctx.scope, name);
      if (existing) {
        const same =
          existing.type === type &&
          existing.scheme === scheme &&
          sameSet(
            existing.zones.map((z) => z.subnetId),
            zones.map((z) => z.subnetId),
          ) &&
          sameSet(existing.securityGroups, securityGroups);
        if (!same)
          throw elbError(
            'DuplicateLoadBalancerName',
            `A load balancer with the same name '${name}' exists, but with different settings`,
          );
        return existing;
      }
      if ((await countLoadBalancers(tx, ctx.scope, type)) >= MAX_LOAD_BALANCERS)
        throw elbError(
          'TooManyLoadBalancers',
          "You've reached the limit on the number of load balancers for your Amazon Web Services account.",
        );
      await lockHostAddresses(tx, ctx.deps.store.dialect, ctx.deps.host.id);
      const held = await heldAddresses(tx, ctx.deps.host.id);
      const address = allocateLoopbackAddress(parseCidr(ctx.deps.lb.addressBlock), held.held, held.last);
      if (!address)
        throw elbError(
          'TooManyLoadBalancers',
          `No loopback address is left for another load balancer on this host (${ctx.deps.lb.addressBlock})`,
        );
      const id = ctx.deps.ids.hex(8);
      const lb: LoadBalancerRecord = {
        arn: loadBalancerArn(ctx.scope, type, name, id),
        scope: ctx.scope,
        name,
        type,
        scheme,
        state: 'provisioning',
        host: ctx.deps.host.id,
        address,
        dnsName: loadBalancerDnsName({ type, scheme, name, region: ctx.scope.region, id }, ctx.deps.ids),
        vpcId,
        zones,
        securityGroups,
        attributes: defaultsOf(loadBalancerAttributeSpecs(type, scheme)),
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
      await insertLoadBalancer(tx, lb);
      await putTags(tx, lb.arn, tags);
      return lb;
    });
  const lb = await retryOnConflict(attempt);
  ctx.deps.lb.wake();
  return { LoadBalancers: [loadBalancerView(lb)] };
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
