import type { UpdateClusterRequest, UpdateClusterResponse } from '@aws-sdk/client-ecs';
import { mergeClusterSettings } from '../../core/ecs/cluster-settings.ts';
import { clusterNameOf } from '../../core/ecs/ecs-arn.ts';
import type { Wire } from '../../core/wire.ts';
import { putCluster } from '../../store/clusters.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { fullClusterView } from './cluster-view.ts';

export async function updateCluster(
  ctx: OperationContext,
  input: Wire<UpdateClusterRequest>,
): Promise<Wire<UpdateClusterResponse>> {
  return ctx.deps.store.write(async (tx) => {
    const c = await requireCluster(tx, ctx, clusterNameOf(ctx.scope, input.cluster));
    const updated = {
      ...c,
      updatedAt: ctx.now,
      config: {
        ...c.config,
        settings: mergeClusterSettings(c.config.settings, input.settings ?? []),
        ...(input.configuration && {
          configuration: { ...c.config.configuration, ...(input.configuration as Record<string, unknown>) },
        }),
        ...(input.serviceConnectDefaults?.namespace !== undefined && {
          serviceConnectDefaults: { namespace: input.serviceConnectDefaults.namespace },
        }),
      },
    };
    await putCluster(tx, ctx.scope, updated);
    return { cluster: await fullClusterView(tx, ctx.scope, updated) };
  });
}
