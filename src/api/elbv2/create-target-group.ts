import type {
  CreateTargetGroupInput,
  CreateTargetGroupOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { defaultVpc } from '../../control/eni-allocation.ts';
import { defaultsOf } from '../../core/elbv2/attribute-specs.ts';
import { targetGroupArn } from '../../core/elbv2/elbv2-arn.ts';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { LbProtocol, TargetGroupRecord, TargetType } from '../../core/elbv2/elbv2-records.ts';
import { checkTags, MAX_TAGS, tooManyTags } from '../../core/elbv2/elbv2-tags.ts';
import { resolveHealthCheck } from '../../core/elbv2/health-check.ts';
import { checkTargetGroupName } from '../../core/elbv2/lb-names.ts';
import { isHttpProtocol, targetGroupAttributeSpecs } from '../../core/elbv2/tg-attributes.ts';
import { ServiceError } from '../../core/service-error.ts';
import type { Wire } from '../../core/wire.ts';
import { retryOnConflict } from '../../store/conflicts.ts';
import { getVpc } from '../../store/networks.ts';
import { putTags } from '../../store/tags.ts';
import {
  countTargetGroups,
  getTargetGroupByName,
  insertTargetGroup,
  loadBalancersOfTargetGroups,
} from '../../store/target-groups.ts';
import type { OperationContext } from '../operation.ts';
import { targetGroupView } from './elbv2-views.ts';

/** ELB's quota of target groups in a region. */
export const MAX_TARGET_GROUPS = 3000;
const PROTOCOLS: readonly LbProtocol[] = ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP'];
const PROTOCOL_VERSIONS = ['HTTP1', 'HTTP2', 'GRPC'];

/**
 * Creates a target group of IP targets (as Fargate tasks are registered) or instances, with the
 * health check ELB applies by default for its protocol. Without a VpcId (which AWS requires) it
 * goes to the account's default VPC. As on AWS, creating one again with the same settings
 * answers the one that exists.
 */
export async function createTargetGroup(
  ctx: OperationContext,
  input: Wire<CreateTargetGroupInput>,
): Promise<Wire<CreateTargetGroupOutput>> {
  const name = input.Name!;
  checkTargetGroupName(name);
  const targetType = (input.TargetType ?? 'instance') as TargetType | 'lambda' | 'alb';
  if (targetType === 'lambda' || targetType === 'alb')
    throw elbError('InvalidConfigurationRequest', `Target type '${targetType}' is not supported by neargate`);
  const protocol = checkProtocol(input.Protocol);
  if (input.Port === undefined) throw validationError('A port must be specified');
  const protocolVersion = checkProtocolVersion(protocol, input.ProtocolVersion);
  if ((input.IpAddressType ?? 'ipv4') !== 'ipv4')
    throw elbError('InvalidConfigurationRequest', 'neargate target groups are IPv4 only');
  if (input.TargetControlPort !== undefined)
    throw elbError('InvalidConfigurationRequest', 'Target control ports are not supported by neargate');
  const kind = { protocol, targetType, ...(protocolVersion !== undefined && { protocolVersion }) };
  const healthCheck = resolveHealthCheck(kind, undefined, input);
  const tags = checkTags(input.Tags ?? []);
  if (tags.length > MAX_TAGS) throw tooManyTags();

  const tg = await retryOnConflict(() =>
    ctx.deps.store.write(async (tx) => {
      const vpcId = await vpcOf(ctx, tx, input.VpcId);
      const record: TargetGroupRecord = {
        arn: targetGroupArn(ctx.scope, name, ctx.deps.ids.hex(8)),
        scope: ctx.scope,
        name,
        ...kind,
        port: input.Port!,
        vpcId,
        healthCheck,
        attributes: defaultsOf(targetGroupAttributeSpecs(kind)),
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
      const existing = await getTargetGroupByName(tx, ctx.scope, name);
      if (existing) {
        if (!sameSettings(existing, record))
          throw elbError(
            'DuplicateTargetGroupName',
            `A target group with the same name '${name}' exists, but with different settings`,
          );
        return existing;
      }
      if ((await countTargetGroups(tx, ctx.scope)) >= MAX_TARGET_GROUPS)
        throw elbError(
          'TooManyTargetGroups',
          "You've reached the limit on the number of target groups for your Amazon Web Services account.",
        );
      await insertTargetGroup(tx, record);
      await putTags(tx, record.arn, tags);
      return record;
    }),
  );
  const lbs = await loadBalancersOfTargetGroups(ctx.deps.store.db, [tg.arn]);
  return { TargetGroups: [targetGroupView(tg, lbs.get(tg.arn) ?? [])] };
}

function checkProtocol(protocol: string | undefined): LbProtocol {
  if (protocol === undefined) throw validationError('A protocol must be specified');
  if (protocol === 'GENEVE')
    throw elbError(
      'UnsupportedProtocol',
      "Protocol 'GENEVE' is only for Gateway Load Balancers, which neargate does not have",
    );
  if (!PROTOCOLS.includes(protocol as LbProtocol))
    throw elbError('UnsupportedProtocol', `Protocol '${protocol}' is not supported by neargate`);
  return protocol as LbProtocol;
}

function checkProtocolVersion(protocol: LbProtocol, version: string | undefined): string | undefined {
  if (!isHttpProtocol(protocol)) {
    if (version !== undefined)
      throw validationError(
        `A protocol version can only be specified for target groups with the protocol HTTP or HTTPS, not '${protocol}'`,
      );
    return undefined;
  }
  const v = version ?? 'HTTP1';
  if (!PROTOCOL_VERSIONS.includes(v))
    throw validationError(`Protocol version '${v}' must be one of '${PROTOCOL_VERSIONS.join(', ')}'`);
  return v;
}

/** The VPC a group is asked to be in (it must exist), or the account's default VPC. */
async function vpcOf(
  ctx: OperationContext,
  tx: Parameters<typeof getVpc>[0],
  vpcId: string | undefined,
): Promise<string> {
  if (vpcId === undefined) {
    try {
      const lc = {
        scope: ctx.scope,
        now: ctx.now,
        ids: ctx.deps.ids,
        defaultVpcCidrs: ctx.deps.defaultVpcCidrs,
      };
      return (await defaultVpc(tx, lc)).vpc_id;
    } catch (err) {
      if (err instanceof ServiceError) throw elbError('InvalidConfigurationRequest', err.message);
      throw err;
    }
  }
  const vpc = await getVpc(tx, vpcId);
  if (!vpc || vpc.account !== ctx.scope.account || vpc.region !== ctx.scope.region)
    throw validationError(`The VPC ID '${vpcId}' is not found`);
  return vpc.vpc_id;
}

function sameSettings(a: TargetGroupRecord, b: TargetGroupRecord): boolean {
  const settings = (t: TargetGroupRecord) =>
    JSON.stringify([t.protocol, t.port, t.vpcId, t.targetType, t.protocolVersion ?? null, t.healthCheck]);
  return settings(a) === settings(b);
}
