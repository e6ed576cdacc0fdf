import { ecrError } from '../../core/ecr/ecr-errors.ts';
import type { OperationContext } from '../operation.ts';
import { requireRepository } from './ecr-deps.ts';

/**
 * neargate does not expire images, so it refuses lifecycle policies rather than keep one that
 * would do nothing. Reads answer that the repository has none, which is true.
 */
export async function putLifecyclePolicy(
  ctx: OperationContext,
  input: { repositoryName?: string; registryId?: string },
): Promise<never> {
  await requireRepository(ctx.deps.store.db, ctx.scope, input.repositoryName!, input.registryId);
  throw ecrError(
    'ValidationException',
    'Lifecycle policies are not supported by neargate: it does not expire images, so it does not store a policy that would have no effect',
  );
}

export async function noLifecyclePolicy(
  ctx: OperationContext,
  input: { repositoryName?: string; registryId?: string },
): Promise<never> {
  const name = input.repositoryName!;
  await requireRepository(ctx.deps.store.db, ctx.scope, name, input.registryId);
  throw ecrError(
    'LifecyclePolicyNotFoundException',
    `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${ctx.scope.account}'`,
  );
}
