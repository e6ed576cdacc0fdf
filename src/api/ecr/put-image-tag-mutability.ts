import type { PutImageTagMutabilityRequest, PutImageTagMutabilityResponse } from '@aws-sdk/client-ecr';
import type { Wire } from '../../core/wire.ts';
import { updateRepositorySettings } from '../../store/ecr-repositories.ts';
import type { OperationContext } from '../operation.ts';
import { requireRepository } from './ecr-deps.ts';

export async function putImageTagMutability(
  ctx: OperationContext,
  input: Wire<PutImageTagMutabilityRequest>,
): Promise<Wire<PutImageTagMutabilityResponse>> {
  const name = input.repositoryName!;
  const mutability = input.imageTagMutability === 'IMMUTABLE' ? 'IMMUTABLE' : 'MUTABLE';
  await ctx.deps.store.write(async (tx) => {
    const repo = await requireRepository(tx, ctx.scope, name, input.registryId);
    await updateRepositorySettings(tx, ctx.scope, name, { ...repo.settings, imageTagMutability: mutability });
  });
  return { registryId: ctx.scope.account, repositoryName: name, imageTagMutability: mutability };
}
