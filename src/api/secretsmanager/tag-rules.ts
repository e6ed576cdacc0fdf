import type { Tag } from '@aws-sdk/client-secrets-manager';
import { secretsError } from '../../core/secrets/secrets-errors.ts';
import type { Wire } from '../../core/wire.ts';
import type { Tag as StoredTag } from '../../store/tags.ts';

/** How many tags a secret can have. */
export const MAX_SECRET_TAGS = 50;

/** Secrets Manager's tags as the store keeps them; a key given twice keeps its last value. */
export function checkSecretTags(tags: readonly Wire<Tag>[]): StoredTag[] {
  const byKey = new Map<string, string>();
  for (const t of tags) {
    if (t.Key === undefined || t.Key === '') {
      throw secretsError('InvalidParameterException', 'You must provide a key for each tag.');
    }
    if (t.Key.toLowerCase().startsWith('aws:')) {
      throw secretsError(
        'InvalidParameterException',
        'Tag keys prefixed with "aws:" are reserved for AWS use.',
      );
    }
    byKey.set(t.Key, t.Value ?? '');
  }
  if (byKey.size > MAX_SECRET_TAGS) {
    throw secretsError('ValidationException', `A secret can have at most ${MAX_SECRET_TAGS} tags.`);
  }
  return [...byKey].map(([key, value]) => ({ key, value }));
}
