import type { DeleteClusterRequest, DeleteClusterResponse } from '@aws-sdk/client-ecs';
import { clusterArn, clusterNameOf } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { clusterActivity } from '../../store/cluster-activity.ts';
import { getCluster, putCluster } from '../../store/clusters.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { fullClusterView } from './cluster-view.ts';

/**
 * Deletes a cluster: it becomes INACTIVE (still describable, as in ECS). Refused while it
 * holds services or tasks.
 */
export async function deleteCluster(
  ctx: OperationContext,
  input: Wire<DeleteClusterRequest>,
): Promise<Wire<DeleteClusterResponse>> {
  const name = clusterNameOf(ctx.scope, input.cluster);
  return ctx.deps.store.write(async (tx) => {
    const found = await getCluster(tx, ctx.scope, name);
    if (!found) throw ecsError('ClusterNotFoundException', 'Cluster not found.');
    if (found.status === 'INACTIVE') return { cluster: await fullClusterView(tx, ctx.scope, found) };
    const a = await clusterActivity(tx, ctx.scope, name);
    if (a.activeServices + a.drainingServices > 0) {
      throw ecsError(
        'ClusterContainsServicesException',
        'The Cluster cannot be deleted while Services are active.',
      );
    }
    if (a.activeTasks > 0) {
      throw ecsError(
        'ClusterContainsTasksException',
        'The Cluster cannot be deleted while Tasks are active.',
      );
    }
    const deleted = { ...found, status: 'INACTIVE' as const, updatedAt: ctx.now };
    const view = await fullClusterView(tx, ctx.scope, deleted);
    await putCluster(tx, ctx.scope, deleted);
    await deleteTags(tx, clusterArn(ctx.scope, name));
    return { cluster: view };
  });
}
