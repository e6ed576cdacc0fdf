import type { DeregisterTaskDefinitionRequest, DeregisterTaskDefinitionResponse } from '@aws-sdk/client-ecs';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { TaskDefinition } from '../../core/ecs/task-definition.ts';
import { parseTaskDefinitionRef } from '../../core/ecs/task-definition-ref.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import { getTaskDefinition, updateTaskDefinition } from '../../store/task-definitions.ts';
import type { OperationContext } from '../operation.ts';

/** Marks a revision INACTIVE: running tasks and services keep it, new ones cannot use it. */
export async function deregisterTaskDefinition(
  ctx: OperationContext,
  input: Wire<DeregisterTaskDefinitionRequest>,
): Promise<Wire<DeregisterTaskDefinitionResponse>> {
  const ref = parseTaskDefinitionRef(ctx.scope, input.taskDefinition ?? '');
  if (ref && ref.revision === undefined) throw ecsError('ClientException', 'Revision is missing.');
  return ctx.deps.store.write(async (tx) => {
    const found = ref && (await getTaskDefinition<TaskDefinition>(tx, ctx.scope, ref.family, ref.revision!));
    if (!found || found.status === 'DELETE_IN_PROGRESS') {
      throw ecsError('ClientException', 'The specified task definition does not exist.');
    }
    if (found.status === 'INACTIVE') return { taskDefinition: found.doc };
    const doc: TaskDefinition = { ...found.doc, status: 'INACTIVE', deregisteredAt: epochSeconds(ctx.now) };
    await updateTaskDefinition(tx, ctx.scope, { ...found, status: 'INACTIVE', doc });
    return { taskDefinition: doc };
  });
}
