import type {
  ListTaskDefinitionFamiliesRequest,
  ListTaskDefinitionFamiliesResponse,
} from '@aws-sdk/client-ecs';
import type { Wire } from '../../core/wire.ts';
import { listFamilies } from '../../store/task-definitions.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { ecsPage } from './paging.ts';

/** Lists families; with no status both ACTIVE and INACTIVE ones, as ECS documents. */
export async function listTaskDefinitionFamilies(
  ctx: OperationContext,
  input: Wire<ListTaskDefinitionFamiliesRequest>,
): Promise<Wire<ListTaskDefinitionFamiliesResponse>> {
  const { limit, after } = ecsPage(input, isString);
  const families = await listFamilies(ctx.deps.store.db, ctx.scope, {
    familyPrefix: input.familyPrefix,
    status: input.status ?? 'ALL',
    after,
    limit: limit + 1,
  });
  const shown = families.slice(0, limit);
  return { families: shown, ...(families.length > limit && { nextToken: encodeToken(shown.at(-1)) }) };
}
