import type { DescribeTasksRequest, DescribeTasksResponse } from '@aws-sdk/client-ecs';
import { clusterNameOf, taskArn } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getTask } from '../../store/tasks.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { parseTaskRef } from './task-lookup.ts';
import { taskView } from './task-view.ts';

/** Describes up to 100 tasks of a cluster; unknown ones come back as failures with reason MISSING. */
export async function describeTasks(
  ctx: OperationContext,
  input: Wire<DescribeTasksRequest>,
): Promise<Wire<DescribeTasksResponse>> {
  const refs = input.tasks ?? [];
  if (refs.length === 0) throw ecsError('InvalidParameterException', 'Tasks cannot be empty.');
  if (refs.length > 100) throw ecsError('InvalidParameterException', 'taskIds can have at most 100 items.');
  const withTags = input.include?.includes('TAGS') ?? false;
  return ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    const out: Wire<DescribeTasksResponse> = { tasks: [], failures: [] };
    for (const ref of refs) {
      const parsed = parseTaskRef(ctx.scope, input.cluster, ref);
      const t = parsed && (await getTask(tx, ctx.scope, parsed.id));
      if (t && t.cluster === cluster.name) out.tasks!.push(await taskView(tx, ctx.scope, t, withTags));
      else {
        const arn =
          parsed?.arn ??
          (ref.startsWith('arn:') ? ref : taskArn(ctx.scope, clusterNameOf(ctx.scope, input.cluster), ref));
        out.failures!.push({ arn, reason: 'MISSING' });
      }
    }
    return out;
  });
}
