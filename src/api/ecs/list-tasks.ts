import type { ListTasksRequest, ListTasksResponse } from '@aws-sdk/client-ecs';
import { taskArn } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import { NAME_PATTERN } from '../../core/ecs/task-definition.ts';
import type { Wire } from '../../core/wire.ts';
import { listTaskKeys, type TaskPosition } from '../../store/tasks.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken } from '../protocol/pagination.ts';
import { requireCluster } from './cluster-lookup.ts';
import { ecsPage } from './paging.ts';
import { requireService } from './service-lookup.ts';

const isPosition = (v: unknown): v is TaskPosition =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as TaskPosition).id === 'string' &&
  typeof (v as TaskPosition).createdAt === 'number';

/** Lists the tasks of a cluster whose desired status is RUNNING (the default) or STOPPED. */
export async function listTasks(
  ctx: OperationContext,
  input: Wire<ListTasksRequest>,
): Promise<Wire<ListTasksResponse>> {
  const { limit, after } = ecsPage(input, isPosition);
  if (input.family !== undefined && !NAME_PATTERN.test(input.family)) {
    throw ecsError('InvalidParameterException', 'family must match ^[a-zA-Z0-9\\-_]+$');
  }
  if (input.containerInstance !== undefined) return { taskArns: [] };
  return ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    if (input.serviceName !== undefined) await requireService(tx, ctx.scope, cluster.name, input.serviceName);
    const keys = await listTaskKeys(
      tx,
      ctx.scope,
      {
        cluster: cluster.name,
        desiredStatus: input.desiredStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
        family: input.family,
        startedBy: input.startedBy,
        serviceName: input.serviceName,
        launchType: input.launchType,
      },
      { after, limit: limit + 1 },
    );
    const shown = keys.slice(0, limit);
    return {
      taskArns: shown.map((k) => taskArn(ctx.scope, cluster.name, k.id)),
      ...(keys.length > limit && { nextToken: encodeToken(shown.at(-1)) }),
    };
  });
}
