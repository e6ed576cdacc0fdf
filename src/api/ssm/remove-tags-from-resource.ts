import type { RemoveTagsFromResourceRequest, RemoveTagsFromResourceResult } from '@aws-sdk/client-ssm';
import type { Wire } from '../../core/wire.ts';
import { deleteTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { taggedParameterArn } from './parameter-tags.ts';

export async function removeTagsFromResource(
  ctx: CipherContext,
  input: Wire<RemoveTagsFromResourceRequest>,
): Promise<Wire<RemoveTagsFromResourceResult>> {
  return ctx.deps.store.write(async (tx) => {
    await deleteTags(tx, await taggedParameterArn(tx, ctx, input), input.TagKeys ?? []);
    return {};
  });
}
