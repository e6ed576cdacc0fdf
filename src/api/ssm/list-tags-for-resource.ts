import type { ListTagsForResourceRequest, ListTagsForResourceResult } from '@aws-sdk/client-ssm';
import type { Wire } from '../../core/wire.ts';
import { getTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { taggedParameterArn } from './parameter-tags.ts';

export async function listTagsForResource(
  ctx: CipherContext,
  input: Wire<ListTagsForResourceRequest>,
): Promise<Wire<ListTagsForResourceResult>> {
  const db = ctx.deps.store.db;
  const tags = await getTags(db, await taggedParameterArn(db, ctx, input));
  return { TagList: tags.map((t) => ({ Key: t.key, Value: t.value })) };
}
