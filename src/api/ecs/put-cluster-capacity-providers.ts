import type {
  PutClusterCapacityProvidersRequest,
  PutClusterCapacityProvidersResponse,
} from '@aws-sdk/client-ecs';
import { checkProviderNames, checkStrategy } from '../../core/ecs/capacity-provider-strategy.ts';
import type { Wire } from '../../core/wire.ts';
import { putCluster } from '../../store/clusters.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { fullClusterView } from './cluster-view.ts';

/** Sets the capacity providers a cluster may use and its default strategy, both replaced whole. */
export async function putClusterCapacityProviders(
  ctx: OperationContext,
  input: Wire<PutClusterCapacityProvidersRequest>,
): Promise<Wire<PutClusterCapacityProvidersResponse>> {
  const providers = [...new Set(input.capacityProviders ?? [])];
  checkProviderNames(providers);
  const strategy = checkStrategy(input.defaultCapacityProviderStrategy ?? [], providers);
  return ctx.deps.store.write(async (tx) => {
    const c = await requireCluster(tx, ctx, input.cluster);
    const updated = {
      ...c,
      updatedAt: ctx.now,
      config: { ...c.config, capacityProviders: providers, defaultCapacityProviderStrategy: strategy },
    };
    await putCluster(tx, ctx.scope, updated);
    return { cluster: await fullClusterView(tx, ctx.scope, updated) };
  });
}
