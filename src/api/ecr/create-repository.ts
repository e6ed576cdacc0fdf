import type { CreateRepositoryRequest, CreateRepositoryResponse } from '@aws-sdk/client-ecr';
import { ecrError } from '../../core/ecr/ecr-errors.ts';
import { repositoryArn } from '../../core/ecr/ecr-names.ts';
import type { Wire } from '../../core/wire.ts';
import { insertRepository, type RepositoryRecord } from '../../store/ecr-repositories.ts';
import { deleteTags, putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { repositoryView } from './ecr-deps.ts';
import { checkEcrTags } from './ecr-tags.ts';

export async function createRepository(
  ctx: OperationContext,
  input: Wire<CreateRepositoryRequest>,
): Promise<Wire<CreateRepositoryResponse>> {
  const name = input.repositoryName!;
  const tags = checkEcrTags(input.tags ?? []);
  const repo: RepositoryRecord = {
    name,
    createdAt: ctx.now,
    settings: {
      imageTagMutability: input.imageTagMutability === 'IMMUTABLE' ? 'IMMUTABLE' : 'MUTABLE',
      scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
      encryptionType: input.encryptionConfiguration?.encryptionType ?? 'AES256',
      ...(input.encryptionConfiguration?.kmsKey !== undefined && {
        kmsKey: input.encryptionConfiguration.kmsKey,
      }),
    },
  };
  return ctx.deps.store.write(async (tx) => {
    if (!(await insertRepository(tx, ctx.scope, repo))) {
      throw ecrError(
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists in the registry with id '${ctx.scope.account}'`,
      );
    }
    const arn = repositoryArn(ctx.scope, name);
    await deleteTags(tx, arn);
    await putTags(
      tx,
      arn,
      tags.map((t) => ({ key: t.Key, value: t.Value })),
    );
    return { repository: repositoryView(ctx.scope, repo) };
  });
}
