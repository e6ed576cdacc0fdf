import type { ListClustersRequest, ListClustersResponse } from '@aws-sdk/client-ecs';
import { clusterArn } from '../../core/ecs/ecs-arn.ts';
import type { Wire } from '../../core/wire.ts';
import { listClusters as listClusterRecords } from '../../store/clusters.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { ecsPage } from './paging.ts';

export async function listClusters(
  ctx: OperationContext,
  input: Wire<ListClustersRequest>,
): Promise<Wire<ListClustersResponse>> {
  const { limit, after } = ecsPage(input, isString);
  const page = await listClusterRecords(ctx.deps.store.db, ctx.scope, { after, limit: limit + 1 });
  const shown = page.slice(0, limit);
  return {
    clusterArns: shown.map((c) => clusterArn(ctx.scope, c.name)),
    ...(page.length > limit && { nextToken: encodeToken(shown.at(-1)!.name) }),
  };
}
