import type { DescribeClustersRequest, DescribeClustersResponse } from '@aws-sdk/client-ecs';
import { clusterArn, clusterNameOf } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getCluster } from '../../store/clusters.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { type ClusterField, clusterView } from './cluster-view.ts';

/** Describes up to 100 clusters; unknown ones come back as failures with reason MISSING. */
export async function describeClusters(
  ctx: OperationContext,
  input: Wire<DescribeClustersRequest>,
): Promise<Wire<DescribeClustersResponse>> {
  const refs = input.clusters ?? ['default'];
  if (refs.length > 100) throw ecsError('InvalidParameterException', 'clusters can have at most 100 items.');
  const include = (input.include ?? []) as ClusterField[];
  return ctx.deps.store.write(async (tx) => {
    const out: Wire<DescribeClustersResponse> = { clusters: [], failures: [] };
    for (const ref of refs) {
      const name = clusterNameOf(ctx.scope, ref);
      const found =
        name === 'default' ? await requireCluster(tx, ctx, name) : await getCluster(tx, ctx.scope, name);
      if (found) out.clusters!.push(await clusterView(tx, ctx.scope, found, include));
      else
        out.failures!.push({
          arn: ref.startsWith('arn:') ? ref : clusterArn(ctx.scope, name),
          reason: 'MISSING',
        });
    }
    return out;
  });
}
