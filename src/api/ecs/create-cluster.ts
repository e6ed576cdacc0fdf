import type { CreateClusterRequest, CreateClusterResponse } from '@aws-sdk/client-ecs';
import { checkProviderNames, checkStrategy } from '../../core/ecs/capacity-provider-strategy.ts';
import { mergeClusterSettings } from '../../core/ecs/cluster-settings.ts';
import { clusterArn } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import { NAME_PATTERN } from '../../core/ecs/task-definition.ts';
import type { Wire } from '../../core/wire.ts';
import { type ClusterRecord, getCluster, putCluster } from '../../store/clusters.ts';
import { deleteTags, putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { newCluster } from './cluster-lookup.ts';
import { fullClusterView } from './cluster-view.ts';
import { checkTags } from './tag-rules.ts';

/** Creates a cluster, or answers with the existing one when asked again with the same arguments. */
export async function createCluster(
  ctx: OperationContext,
  input: Wire<CreateClusterRequest>,
): Promise<Wire<CreateClusterResponse>> {
  const name = input.clusterName ?? 'default';
  if (!NAME_PATTERN.test(name)) {
    throw ecsError(
      'InvalidParameterException',
      `Cluster name must match ^[a-zA-Z0-9\\-_]{1,255}$, but was ${name}`,
    );
  }
  const tags = checkTags(input.tags ?? []);
  return ctx.deps.store.write(async (tx) => {
    const existing = await getCluster(tx, ctx.scope, name);
    const fresh = await newCluster(tx, ctx, name);
    const providers = input.capacityProviders ?? [];
    checkProviderNames(providers);
    const wanted: ClusterRecord = {
      ...fresh,
      config: {
        settings: mergeClusterSettings(fresh.config.settings, input.settings ?? []),
        capacityProviders: providers,
        defaultCapacityProviderStrategy: checkStrategy(
          input.defaultCapacityProviderStrategy ?? [],
          providers,
        ),
        ...(input.configuration && { configuration: input.configuration as Record<string, unknown> }),
        ...(input.serviceConnectDefaults?.namespace && {
          serviceConnectDefaults: { namespace: input.serviceConnectDefaults.namespace },
        }),
      },
    };
    if (existing?.status === 'ACTIVE') {
      if (!sameArguments(existing, wanted, input)) {
        throw ecsError(
          'InvalidParameterException',
          'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
        );
      }
      return { cluster: await fullClusterView(tx, ctx.scope, existing) };
    }
    const arn = clusterArn(ctx.scope, name);
    // A cluster made again after deletion starts afresh, tags included.
    await deleteTags(tx, arn);
    await putCluster(tx, ctx.scope, wanted);
    await putTags(tx, arn, tags);
    return { cluster: await fullClusterView(tx, ctx.scope, wanted) };
  });
}

/** Whether a repeated CreateCluster asks for what the cluster already has (unset arguments match anything). */
function sameArguments(
  existing: ClusterRecord,
  wanted: ClusterRecord,
  input: Wire<CreateClusterRequest>,
): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const e = existing.config;
  const w = wanted.config;
  return (
    (input.settings === undefined || same(e.settings, w.settings)) &&
    (input.capacityProviders === undefined || same(e.capacityProviders, w.capacityProviders)) &&
    (input.defaultCapacityProviderStrategy === undefined ||
      same(e.defaultCapacityProviderStrategy, w.defaultCapacityProviderStrategy)) &&
    (input.configuration === undefined || same(e.configuration, w.configuration)) &&
    (input.serviceConnectDefaults === undefined || same(e.serviceConnectDefaults, w.serviceConnectDefaults))
  );
}
