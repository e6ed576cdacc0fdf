import type { StopTaskRequest, StopTaskResponse } from '@aws-sdk/client-ecs';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import { StopCode, StopReason } from '../../core/ecs/task-status.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import { getTask, updateTask } from '../../store/tasks.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { parseTaskRef } from './task-lookup.ts';
import { taskView } from './task-view.ts';

/** Asks a task to stop; the reconciler then stops its containers (SIGTERM, then SIGKILL after stopTimeout). */
export async function stopTask(
  ctx: OperationContext,
  input: Wire<StopTaskRequest>,
): Promise<Wire<StopTaskResponse>> {
  const reason = input.reason ?? StopReason.userDefault;
  if (reason.length > 1024)
    throw ecsError('InvalidParameterException', 'reason can have at most 1024 characters.');
  // On PostgreSQL the reconciler may write the task between our read and write: try again.
  for (let attempt = 0; ; attempt++) {
    const out = await stopOnce(ctx, input, reason);
    if (out === 'conflict' && attempt < 5) continue;
    if (out === 'conflict') throw ecsError('ServerException', 'The task kept changing; try again.');
    if (out.changed) ctx.deps.wake([out.changed]);
    return { task: out.task };
  }
}

async function stopOnce(ctx: OperationContext, input: Wire<StopTaskRequest>, reason: string) {
  return ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    const ref = parseTaskRef(ctx.scope, input.cluster, input.task ?? '');
    const t = ref && (await getTask(tx, ctx.scope, ref.id));
    if (!t || t.cluster !== cluster.name)
      throw ecsError('InvalidParameterException', 'The referenced task was not found');
    if (t.desiredStatus === 'STOPPED')
      return { task: await taskView(tx, ctx.scope, t, false), changed: undefined };
    const stopped = {
      ...t,
      desiredStatus: 'STOPPED' as const,
      doc: {
        ...t.doc,
        desiredStatus: 'STOPPED',
        stopCode: StopCode.UserInitiated,
        stoppedReason: reason,
        stoppingAt: epochSeconds(ctx.now),
      },
    };
    const saved = await updateTask(tx, ctx.scope, stopped);
    if (!saved) return 'conflict' as const;
    return { task: await taskView(tx, ctx.scope, saved, false), changed: t.id };
  });
}
