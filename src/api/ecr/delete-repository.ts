import type { DeleteRepositoryRequest, DeleteRepositoryResponse } from '@aws-sdk/client-ecr';
import { ecrError } from '../../core/ecr/ecr-errors.ts';
import { repositoryArn } from '../../core/ecr/ecr-names.ts';
import type { Wire } from '../../core/wire.ts';
import { countImages } from '../../store/ecr-images.ts';
import { deleteRepository as deleteRepositoryRows } from '../../store/ecr-repositories.ts';
import { deleteTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { type EcrDeps, repositoryView, requireRepository } from './ecr-deps.ts';

export function deleteRepository(deps: EcrDeps) {
  return async (
    ctx: OperationContext,
    input: Wire<DeleteRepositoryRequest>,
  ): Promise<Wire<DeleteRepositoryResponse>> => {
    const name = input.repositoryName!;
    const result = await ctx.deps.store.write(async (tx) => {
      const repo = await requireRepository(tx, ctx.scope, name, input.registryId);
      const k = { scope: ctx.scope, repository: name };
      if (!input.force && (await countImages(tx, k)) > 0) {
        throw ecrError(
          'RepositoryNotEmptyException',
          `The repository with name '${name}' in registry with id '${ctx.scope.account}' cannot be deleted because it still contains images`,
        );
      }
      await deleteRepositoryRows(tx, ctx.scope, name);
      await deleteTags(tx, repositoryArn(ctx.scope, name));
      return { repository: repositoryView(ctx.scope, repo) };
    });
    deps.registry.collectSoon();
    return result;
  };
}
