import type { DescribeServicesRequest, DescribeServicesResponse } from '@aws-sdk/client-ecs';
import { clusterNameOf, serviceArn } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getService } from '../../store/services.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { serviceNameOf } from './service-lookup.ts';
import { serviceView } from './service-view.ts';

/** Describes up to 10 services; unknown ones come back as failures with reason MISSING. */
export async function describeServices(
  ctx: OperationContext,
  input: Wire<DescribeServicesRequest>,
): Promise<Wire<DescribeServicesResponse>> {
  const refs = input.services ?? [];
  if (refs.length === 0) throw ecsError('InvalidParameterException', 'Services cannot be empty.');
  if (refs.length > 10)
    throw ecsError('InvalidParameterException', 'service names can have at most 10 items.');
  const withTags = input.include?.includes('TAGS') ?? false;
  return ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    const out: Wire<DescribeServicesResponse> = { services: [], failures: [] };
    for (const ref of refs) {
      const name = serviceNameOf(ctx.scope, cluster.name, ref);
      const svc = name ? await getService(tx, ctx.scope, cluster.name, name) : undefined;
      if (svc) out.services!.push(await serviceView(tx, svc, withTags));
      else {
        const arn = ref.startsWith('arn:')
          ? ref
          : serviceArn(ctx.scope, clusterNameOf(ctx.scope, input.cluster), ref);
        out.failures!.push({ arn, reason: 'MISSING' });
      }
    }
    return out;
  });
}
