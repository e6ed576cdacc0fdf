import type { DescribeTaskDefinitionRequest, DescribeTaskDefinitionResponse } from '@aws-sdk/client-ecs';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { findTaskDefinition } from './task-definition-lookup.ts';

export async function describeTaskDefinition(
  ctx: OperationContext,
  input: Wire<DescribeTaskDefinitionRequest>,
): Promise<Wire<DescribeTaskDefinitionResponse>> {
  const db = ctx.deps.store.db;
  const found = await findTaskDefinition(db, ctx.scope, input.taskDefinition ?? '');
  if (!found) throw ecsError('ClientException', 'Unable to describe task definition.');
  const td = found.doc;
  return {
    taskDefinition: td,
    ...(input.include?.includes('TAGS') && { tags: await getTags(db, td.taskDefinitionArn!) }),
  };
}
