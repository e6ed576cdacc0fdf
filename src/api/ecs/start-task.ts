import type { StartTaskRequest, StartTaskResponse } from '@aws-sdk/client-ecs';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { findTaskDefinition } from './task-definition-lookup.ts';

/**
 * StartTask places tasks on named container instances, which Fargate has none of: every
 * instance named is reported MISSING, as ECS reports it for a Fargate-only cluster.
 */
export async function startTask(
  ctx: OperationContext,
  input: Wire<StartTaskRequest>,
): Promise<Wire<StartTaskResponse>> {
  const instances = input.containerInstances ?? [];
  if (instances.length === 0)
    throw ecsError('InvalidParameterException', 'Container instances cannot be empty.');
  if (instances.length > 10)
    throw ecsError('InvalidParameterException', 'containerInstances can have at most 10 items.');
  return ctx.deps.store.write(async (tx) => {
    await requireCluster(tx, ctx, input.cluster);
    const td = await findTaskDefinition(tx, ctx.scope, input.taskDefinition ?? '');
    if (!td) throw ecsError('ClientException', 'TaskDefinition not found.');
    return { tasks: [], failures: instances.map((arn) => ({ arn, reason: 'MISSING' })) };
  });
}
