import type { ListServiceDeploymentsRequest, ListServiceDeploymentsResponse } from '@aws-sdk/client-ecs';
import type { Wire } from '../../core/wire.ts';
import { deploymentsOf } from '../../store/services.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { requireCluster } from './cluster-lookup.ts';
import { ecsPage } from './paging.ts';
import { deploymentArnOf, serviceDeploymentBrief } from './service-deployment-view.ts';
import { requireService } from './service-lookup.ts';

/** Lists a service's deployments, newest first, filtered by status and creation time. */
export async function listServiceDeployments(
  ctx: OperationContext,
  input: Wire<ListServiceDeploymentsRequest>,
): Promise<Wire<ListServiceDeploymentsResponse>> {
  const { limit: asked, after } = ecsPage(input, isString);
  const limit = input.maxResults === undefined ? 20 : asked;
  return ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    const svc = await requireService(tx, ctx.scope, cluster.name, input.service);
    const all = (await deploymentsOf(tx, ctx.scope, svc.cluster, svc.name, { includeInactive: true }))
      .filter((d) => !input.status?.length || input.status.includes(d.doc.deploymentStatus))
      .filter((d) => input.createdAt?.after === undefined || d.createdAt / 1000 >= input.createdAt.after)
      .filter((d) => input.createdAt?.before === undefined || d.createdAt / 1000 <= input.createdAt.before);
    const start = after === undefined ? 0 : all.findIndex((d) => deploymentArnOf(d) === after) + 1;
    const shown = all.slice(start, start + limit);
    return {
      serviceDeployments: shown.map((d) => serviceDeploymentBrief(svc, d)),
      ...(start + limit < all.length && { nextToken: encodeToken(deploymentArnOf(shown.at(-1)!)) }),
    };
  });
}
