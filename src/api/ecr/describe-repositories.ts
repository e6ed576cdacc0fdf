import type { DescribeRepositoriesRequest, DescribeRepositoriesResponse } from '@aws-sdk/client-ecr';
import { repositoryNotFound } from '../../core/ecr/ecr-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { listRepositories } from '../../store/ecr-repositories.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { ecrPage, repositoryView } from './ecr-deps.ts';

export async function describeRepositories(
  ctx: OperationContext,
  input: Wire<DescribeRepositoriesRequest>,
): Promise<Wire<DescribeRepositoriesResponse>> {
  const { limit, after } = ecrPage(input, isString);
  const names = input.repositoryNames;
  if (input.registryId !== undefined && input.registryId !== ctx.scope.account && names?.[0]) {
    throw repositoryNotFound(names[0], input.registryId);
  }
  const page = await listRepositories(ctx.deps.store.db, ctx.scope, {
    after,
    limit: limit + 1,
    ...(names && { names }),
  });
  if (names) {
    const missing = names.find((n) => !page.some((r) => r.name === n));
    if (missing !== undefined && after === undefined) throw repositoryNotFound(missing, ctx.scope.account);
  }
  const shown = page.slice(0, limit);
  return {
    repositories: shown.map((r) => repositoryView(ctx.scope, r)),
    ...(page.length > limit && { nextToken: encodeToken(shown.at(-1)!.name) }),
  };
}
