import type { ListTaskDefinitionsRequest, ListTaskDefinitionsResponse } from '@aws-sdk/client-ecs';
import { taskDefinitionArn } from '../../core/ecs/ecs-arn.ts';
import type { Wire } from '../../core/wire.ts';
import { listTaskDefinitionKeys } from '../../store/task-definitions.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken } from '../protocol/pagination.ts';
import { ecsPage } from './paging.ts';

type Position = { family: string; revision: number };
const isPosition = (v: unknown): v is Position =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Position).family === 'string' &&
  Number.isInteger((v as Position).revision);

export async function listTaskDefinitions(
  ctx: OperationContext,
  input: Wire<ListTaskDefinitionsRequest>,
): Promise<Wire<ListTaskDefinitionsResponse>> {
  const { limit, after } = ecsPage(input, isPosition);
  const keys = await listTaskDefinitionKeys(ctx.deps.store.db, ctx.scope, {
    familyPrefix: input.familyPrefix,
    status: input.status ?? 'ACTIVE',
    order: input.sort === 'DESC' ? 'desc' : 'asc',
    after,
    limit: limit + 1,
  });
  const shown = keys.slice(0, limit);
  const last = shown.at(-1);
  return {
    taskDefinitionArns: shown.map((k) => taskDefinitionArn(ctx.scope, k.family, k.revision)),
    ...(keys.length > limit &&
      last && { nextToken: encodeToken({ family: last.family, revision: last.revision }) }),
  };
}
