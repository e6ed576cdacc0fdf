import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  TagResourceRequest,
  TagResourceResponse,
  UntagResourceRequest,
  UntagResourceResponse,
} from '@aws-sdk/client-ecr';
import type { Kysely } from 'kysely';
import { ecrError } from '../../core/ecr/ecr-errors.ts';
import { repositoryOfArn } from '../../core/ecr/ecr-names.ts';
import type { Scope } from '../../core/scope.ts';
import type { Wire } from '../../core/wire.ts';
import type { Database } from '../../store/schema.ts';
import { deleteTags, getTags, putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireRepository } from './ecr-deps.ts';
import { checkEcrTags } from './ecr-tags.ts';

/** The repository an ARN names, which must exist. */
async function taggedRepository(db: Kysely<Database>, scope: Scope, arn: string): Promise<void> {
  const name = repositoryOfArn(scope, arn);
  if (name === undefined) {
    throw ecrError(
      'InvalidParameterException',
      `Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`,
    );
  }
  await requireRepository(db, scope, name);
}

export async function tagResource(
  ctx: OperationContext,
  input: Wire<TagResourceRequest>,
): Promise<Wire<TagResourceResponse>> {
  const tags = checkEcrTags(input.tags ?? []);
  await ctx.deps.store.write(async (tx) => {
    await taggedRepository(tx, ctx.scope, input.resourceArn!);
    await putTags(
      tx,
      input.resourceArn!,
      tags.map((t) => ({ key: t.Key, value: t.Value })),
    );
    if ((await getTags(tx, input.resourceArn!)).length > 50) {
      throw ecrError('TooManyTagsException', 'A resource can have at most 50 tags');
    }
  });
  return {};
}

export async function untagResource(
  ctx: OperationContext,
  input: Wire<UntagResourceRequest>,
): Promise<Wire<UntagResourceResponse>> {
  await ctx.deps.store.write(async (tx) => {
    await taggedRepository(tx, ctx.scope, input.resourceArn!);
    await deleteTags(tx, input.resourceArn!, input.tagKeys ?? []);
  });
  return {};
}

export async function listTagsForResource(
  ctx: OperationContext,
  input: Wire<ListTagsForResourceRequest>,
): Promise<Wire<ListTagsForResourceResponse>> {
  await taggedRepository(ctx.deps.store.db, ctx.scope, input.resourceArn!);
  const tags = await getTags(ctx.deps.store.db, input.resourceArn!);
  return { tags: tags.map((t) => ({ Key: t.key, Value: t.value })) };
}
