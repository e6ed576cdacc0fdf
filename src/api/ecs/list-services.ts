import type { ListServicesRequest, ListServicesResponse } from '@aws-sdk/client-ecs';
import { serviceArn } from '../../core/ecs/ecs-arn.ts';
import type { Wire } from '../../core/wire.ts';
import { listServiceNames } from '../../store/services.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { requireCluster } from './cluster-lookup.ts';
import { ecsPage } from './paging.ts';

/** Lists a cluster's ACTIVE services (10 a page unless maxResults says otherwise, as ECS does). */
export async function listServices(
  ctx: OperationContext,
  input: Wire<ListServicesRequest>,
): Promise<Wire<ListServicesResponse>> {
  const { limit: asked, after } = ecsPage(input, isString);
  const limit = input.maxResults === undefined ? 10 : asked;
  return ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    // Every service here is a REPLICA service on Fargate.
    const none =
      (input.launchType !== undefined && input.launchType !== 'FARGATE') ||
      (input.schedulingStrategy !== undefined && input.schedulingStrategy !== 'REPLICA');
    const names = none
      ? []
      : await listServiceNames(tx, ctx.scope, cluster.name, { after, limit: limit + 1 });
    const shown = names.slice(0, limit);
    return {
      serviceArns: shown.map((n) => serviceArn(ctx.scope, cluster.name, n)),
      ...(names.length > limit && { nextToken: encodeToken(shown.at(-1)) }),
    };
  });
}
