import { elbError, validationError } from './elbv2-errors.ts';

/** ELB's quota of tags per resource. */
export const MAX_TAGS = 50;

/** Tags as the API carries them: Key required, Value optional. */
export interface WireTag {
  Key?: string | undefined;
  Value?: string | undefined;
}

/** Checks tags to add: each key once, none in AWS's own `aws:` namespace. */
export function checkTags(tags: readonly WireTag[]): { key: string; value: string }[] {
  const seen = new Set<string>();
  return tags.map((t) => {
    const key = t.Key ?? '';
    if (seen.has(key)) throw elbError('DuplicateTagKeys', `Tag key was specified more than once: ${key}`);
    seen.add(key);
    if (key.toLowerCase().startsWith('aws:'))
      throw validationError(`Tag key '${key}' cannot begin with 'aws:', which is reserved for AWS use`);
    return { key, value: t.Value ?? '' };
  });
}

export const tooManyTags = () =>
  elbError(
    'TooManyTags',
    'The quota for the number of tags that can be assigned to a load balancer has been reached',
  );
