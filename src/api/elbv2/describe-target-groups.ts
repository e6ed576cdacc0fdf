import type {
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { listTargetGroups, loadBalancersOfTargetGroups } from '../../store/target-groups.ts';
import type { OperationContext } from '../operation.ts';
import { isString } from '../protocol/pagination.ts';
import { checkArn, requireLoadBalancer, targetGroupNotFound } from './elbv2-lookup.ts';
import { pageOf, pageSizeOf, positionOf } from './elbv2-paging.ts';
import { targetGroupView } from './elbv2-views.ts';

/**
 * Target groups by name: all of the region's, those a load balancer forwards to, or those named
 * (by ARN or name), every one of which must exist.
 */
export async function describeTargetGroups(
  ctx: OperationContext,
  input: Wire<DescribeTargetGroupsInput>,
): Promise<Wire<DescribeTargetGroupsOutput>> {
  const { LoadBalancerArn: lbArn, TargetGroupArns: arns, Names: names } = input;
  if ([lbArn, arns, names].filter((x) => x !== undefined).length > 1)
    throw validationError('Only one of load balancer ARN, target group ARNs and names can be specified');
  const size = pageSizeOf(input.PageSize);
  const after = positionOf(input.Marker, isString);
  const db = ctx.deps.store.db;
  if (lbArn !== undefined) await requireLoadBalancer(db, ctx.scope, lbArn);
  const inScope = arns?.filter((a) => checkArn(ctx.scope, a, 'targetgroup'));
  const filter = {
    ...(inScope && { arns: inScope }),
    ...(names && { names }),
    ...(lbArn !== undefined && { loadBalancerArn: lbArn }),
  };
  if (arns || names) {
    const found = await listTargetGroups(db, ctx.scope, { limit: 1000, ...filter });
    if (arns && new Set(found.map((t) => t.arn)).size < new Set(arns).size) throw targetGroupNotFound();
    if (names) {
      const missing = [...new Set(names)].filter((n) => !found.some((t) => t.name === n));
      if (missing.length > 0)
        throw elbError('TargetGroupNotFound', `Target groups '[${missing.join(', ')}]' not found`);
    }
  }
  const items = await listTargetGroups(db, ctx.scope, {
    limit: size + 1,
    ...(after !== undefined && { after }),
    ...filter,
  });
  const { page, nextMarker } = pageOf(items, size, (tg) => tg.name);
  const lbs = await loadBalancersOfTargetGroups(
    db,
    page.map((t) => t.arn),
  );
  return {
    TargetGroups: page.map((tg) => targetGroupView(tg, lbs.get(tg.arn) ?? [])),
    ...(nextMarker && { NextMarker: nextMarker }),
  };
}
