import type { Tag } from '@aws-sdk/client-ssm';
import { ssmError } from '../../core/ssm/ssm-errors.ts';
import type { Wire } from '../../core/wire.ts';
import type { Tag as StoredTag } from '../../store/tags.ts';

/** How many tags a parameter can have. */
export const MAX_PARAMETER_TAGS = 50;

/** Parameter Store's tags as the store keeps them; a key given twice keeps its last value. */
export function checkParameterTags(tags: readonly Wire<Tag>[]): StoredTag[] {
  const byKey = new Map<string, string>();
  for (const t of tags) byKey.set(t.Key!, t.Value ?? '');
  if (byKey.size > MAX_PARAMETER_TAGS) {
    throw ssmError(
      'TooManyTagsError',
      'The Targets parameter includes too many tags. Remove one or more tags and try the command again.',
    );
  }
  return [...byKey].map(([key, value]) => ({ key, value }));
}
