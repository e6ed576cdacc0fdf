import type { UpdateClusterSettingsRequest, UpdateClusterSettingsResponse } from '@aws-sdk/client-ecs';
import { mergeClusterSettings } from '../../core/ecs/cluster-settings.ts';
import type { Wire } from '../../core/wire.ts';
import { putCluster } from '../../store/clusters.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { fullClusterView } from './cluster-view.ts';

export async function updateClusterSettings(
  ctx: OperationContext,
  input: Wire<UpdateClusterSettingsRequest>,
): Promise<Wire<UpdateClusterSettingsResponse>> {
  return ctx.deps.store.write(async (tx) => {
    const c = await requireCluster(tx, ctx, input.cluster);
    const updated = {
      ...c,
      updatedAt: ctx.now,
      config: { ...c.config, settings: mergeClusterSettings(c.config.settings, input.settings ?? []) },
    };
    await putCluster(tx, ctx.scope, updated);
    return { cluster: await fullClusterView(tx, ctx.scope, updated) };
  });
}
