import type { Kysely } from 'kysely';
import { clusterNameOf } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import { type ClusterRecord, getCluster, putCluster } from '../../store/clusters.ts';
import type { Database } from '../../store/schema.ts';
import type { OperationContext } from '../operation.ts';
import { effectiveSetting } from './account-setting-values.ts';

/** A new cluster's record; containerInsights starts from the account setting, as in ECS. */
export async function newCluster(
  tx: Kysely<Database>,
  ctx: OperationContext,
  name: string,
): Promise<ClusterRecord> {
  const insights = await effectiveSetting(tx, ctx.scope, ctx.principalArn, 'containerInsights');
  return {
    name,
    status: 'ACTIVE',
    config: {
      settings: [{ name: 'containerInsights', value: insights.value }],
      capacityProviders: [],
      defaultCapacityProviderStrategy: [],
    },
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
}

/**
 * The ACTIVE cluster a request names (by name or ARN; none means `default`). The `default`
 * cluster exists implicitly: it is created the first time a request needs it, as in ECS.
 */
export async function requireCluster(
  tx: Kysely<Database>,
  ctx: OperationContext,
  ref: string | undefined,
): Promise<ClusterRecord> {
  const name = clusterNameOf(ctx.scope, ref);
  const found = await getCluster(tx, ctx.scope, name);
  if (found?.status === 'ACTIVE') return found;
  if (name === 'default') {
    const created = await newCluster(tx, ctx, name);
    await putCluster(tx, ctx.scope, created);
    return created;
  }
  if (found) throw ecsError('ClusterNotFoundException', 'The referenced cluster was inactive.');
  throw ecsError('ClusterNotFoundException', 'Cluster not found.');
}
