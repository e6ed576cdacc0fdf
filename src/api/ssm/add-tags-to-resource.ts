import type { AddTagsToResourceRequest, AddTagsToResourceResult } from '@aws-sdk/client-ssm';
import { ssmError } from '../../core/ssm/ssm-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getTags, putTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { taggedParameterArn } from './parameter-tags.ts';
import { checkParameterTags, MAX_PARAMETER_TAGS } from './tag-rules.ts';

export async function addTagsToResource(
  ctx: CipherContext,
  input: Wire<AddTagsToResourceRequest>,
): Promise<Wire<AddTagsToResourceResult>> {
  const tags = checkParameterTags(input.Tags ?? []);
  return ctx.deps.store.write(async (tx) => {
    const arn = await taggedParameterArn(tx, ctx, input);
    const keys = new Set([...(await getTags(tx, arn)).map((t) => t.key), ...tags.map((t) => t.key)]);
    if (keys.size > MAX_PARAMETER_TAGS) {
      throw ssmError(
        'TooManyTagsError',
        'The Targets parameter includes too many tags. Remove one or more tags and try the command again.',
      );
    }
    await putTags(tx, arn, tags);
    return {};
  });
}
