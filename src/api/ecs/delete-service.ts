import type { DeleteServiceRequest, DeleteServiceResponse } from '@aws-sdk/client-ecs';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { updateService } from '../../store/services.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { requireService } from './service-lookup.ts';
import { serviceView } from './service-view.ts';

/**
 * Deletes a service: it turns DRAINING, the scheduler stops its tasks, then it is INACTIVE
 * (still describable a while). Without `force` it must be scaled to 0 first, as in ECS.
 */
export async function deleteService(
  ctx: OperationContext,
  input: Wire<DeleteServiceRequest>,
): Promise<Wire<DeleteServiceResponse>> {
  const out = await ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    const svc = await requireService(tx, ctx.scope, cluster.name, input.service);
    if (svc.status !== 'ACTIVE') return { service: await serviceView(tx, svc, false), cluster: cluster.name };
    if (svc.config.desiredCount > 0 && !input.force) {
      throw ecsError(
        'InvalidParameterException',
        'The service cannot be stopped while it is scaled above 0.',
      );
    }
    const saved = await updateService(tx, {
      ...svc,
      status: 'DRAINING',
      config: { ...svc.config, desiredCount: 0 },
      updatedAt: ctx.now,
    });
    if (!saved) throw ecsError('UpdateInProgressException', 'The service is being updated; try again.');
    return { service: await serviceView(tx, saved, false), cluster: cluster.name };
  });
  ctx.deps.wakeService(ctx.scope, out.cluster, out.service.serviceName!);
  return { service: out.service };
}
