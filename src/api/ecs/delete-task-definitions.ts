import type { DeleteTaskDefinitionsRequest, DeleteTaskDefinitionsResponse } from '@aws-sdk/client-ecs';
import { taskDefinitionArn } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { TaskDefinition } from '../../core/ecs/task-definition.ts';
import { parseTaskDefinitionRef } from '../../core/ecs/task-definition-ref.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import { getTaskDefinition, updateTaskDefinition } from '../../store/task-definitions.ts';
import type { OperationContext } from '../operation.ts';

/**
 * Asks for INACTIVE revisions to be deleted: they turn DELETE_IN_PROGRESS, and are removed
 * once no task or service uses them. Each revision fails or succeeds on its own.
 */
export async function deleteTaskDefinitions(
  ctx: OperationContext,
  input: Wire<DeleteTaskDefinitionsRequest>,
): Promise<Wire<DeleteTaskDefinitionsResponse>> {
  const refs = input.taskDefinitions ?? [];
  if (refs.length === 0) throw ecsError('InvalidParameterException', 'taskDefinitions can not be empty.');
  if (refs.length > 10)
    throw ecsError('InvalidParameterException', 'taskDefinitions can have at most 10 items.');
  return ctx.deps.store.write(async (tx) => {
    const out: Wire<DeleteTaskDefinitionsResponse> = { taskDefinitions: [], failures: [] };
    for (const text of refs) {
      const ref = parseTaskDefinitionRef(ctx.scope, text);
      if (!ref || ref.revision === undefined) {
        out.failures!.push({
          arn: text,
          reason: 'INVALID_ARGUMENT',
          detail: 'The task definition revision is missing.',
        });
        continue;
      }
      const arn = taskDefinitionArn(ctx.scope, ref.family, ref.revision);
      const found = await getTaskDefinition<TaskDefinition>(tx, ctx.scope, ref.family, ref.revision);
      if (!found) {
        out.failures!.push({
          arn,
          reason: 'TASK_DEFINITION_NOT_FOUND',
          detail: 'The specified task definition does not exist.',
        });
      } else if (found.status === 'ACTIVE') {
        out.failures!.push({
          arn,
          reason: 'TASK_DEFINITION_IS_ACTIVE',
          detail: 'The specified task definition is ACTIVE. Deregister it before deleting it.',
        });
      } else if (found.status === 'DELETE_IN_PROGRESS') {
        out.taskDefinitions!.push(found.doc);
      } else {
        const doc: TaskDefinition = {
          ...found.doc,
          status: 'DELETE_IN_PROGRESS',
          deleteRequestedAt: epochSeconds(ctx.now),
        };
        await updateTaskDefinition(tx, ctx.scope, { ...found, status: 'DELETE_IN_PROGRESS', doc });
        out.taskDefinitions!.push(doc);
      }
    }
    return out;
  });
}
