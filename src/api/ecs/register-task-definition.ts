import type { RegisterTaskDefinitionResponse } from '@aws-sdk/client-ecs';
import { taskDefinitionArn } from '../../core/ecs/ecs-arn.ts';
import type { RegisterInput, TaskDefinition } from '../../core/ecs/task-definition.ts';
import { normalizeTaskDefinition } from '../../core/ecs/task-definition-rules.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import { putTags } from '../../store/tags.ts';
import { insertTaskDefinition, nextRevision } from '../../store/task-definitions.ts';
import type { OperationContext } from '../operation.ts';
import { checkTags } from './tag-rules.ts';

/** Registers the next revision of a family, after ECS's (and Fargate's) checks. */
export async function registerTaskDefinition(
  ctx: OperationContext,
  input: RegisterInput,
): Promise<Wire<RegisterTaskDefinitionResponse>> {
  const body = normalizeTaskDefinition(input);
  const tags = checkTags(input.tags ?? []);
  return ctx.deps.store.write(async (tx) => {
    const revision = await nextRevision(tx, ctx.scope, body.family!);
    const arn = taskDefinitionArn(ctx.scope, body.family!, revision);
    const { containerDefinitions, family, taskRoleArn, executionRoleArn, networkMode, ...rest } = body;
    // Field order as ECS answers, so output diffs against AWS stay readable.
    const td: TaskDefinition = {
      taskDefinitionArn: arn,
      containerDefinitions,
      family,
      ...(taskRoleArn !== undefined && { taskRoleArn }),
      ...(executionRoleArn !== undefined && { executionRoleArn }),
      ...(networkMode !== undefined && { networkMode }),
      revision,
      ...rest,
      registeredAt: epochSeconds(ctx.now),
      registeredBy: ctx.principalArn,
    };
    await insertTaskDefinition(tx, ctx.scope, {
      family: family!,
      revision,
      status: 'ACTIVE',
      doc: td,
      registeredAt: ctx.now,
    });
    await putTags(tx, arn, tags);
    return { taskDefinition: td, ...(tags.length > 0 && { tags }) };
  });
}
