import type {
  DescribeLoadBalancersInput,
  DescribeLoadBalancersOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { listLoadBalancers } from '../../store/load-balancers.ts';
import type { OperationContext } from '../operation.ts';
import { isString } from '../protocol/pagination.ts';
import { checkArn, loadBalancerNotFound } from './elbv2-lookup.ts';
import { pageOf, pageSizeOf, positionOf } from './elbv2-paging.ts';
import { loadBalancerView } from './elbv2-views.ts';

/** Load balancers by name, all of the region's or those named (by ARN or name); every one named must exist. */
export async function describeLoadBalancers(
  ctx: OperationContext,
  input: Wire<DescribeLoadBalancersInput>,
): Promise<Wire<DescribeLoadBalancersOutput>> {
  const { LoadBalancerArns: arns, Names: names } = input;
  if (arns !== undefined && names !== undefined)
    throw validationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
  const size = pageSizeOf(input.PageSize);
  const after = positionOf(input.Marker, isString);
  const inScope = arns?.filter((a) => checkArn(ctx.scope, a, 'loadbalancer'));
  const db = ctx.deps.store.db;
  if (arns || names) {
    const found = await listLoadBalancers(db, ctx.scope, {
      limit: 1000,
      ...(inScope && { arns: inScope }),
      ...(names && { names }),
    });
    if (arns && new Set(found.map((l) => l.arn)).size < new Set(arns).size) throw loadBalancerNotFound();
    if (names) {
      const missing = [...new Set(names)].filter((n) => !found.some((l) => l.name === n));
      if (missing.length > 0)
        throw elbError('LoadBalancerNotFound', `Load balancers '[${missing.join(', ')}]' not found`);
    }
  }
  const items = await listLoadBalancers(db, ctx.scope, {
    limit: size + 1,
    ...(after !== undefined && { after }),
    ...(inScope && { arns: inScope }),
    ...(names && { names }),
  });
  const { page, nextMarker } = pageOf(items, size, (lb) => lb.name);
  return { LoadBalancers: page.map(loadBalancerView), ...(nextMarker && { NextMarker: nextMarker }) };
}
