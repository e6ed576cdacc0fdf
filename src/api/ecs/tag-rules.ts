import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Tag } from '../../store/tags.ts';

export const MAX_TAGS = 50;

/** Checks tags as ECS limits them: keys of 1-128 and values of 0-256 characters, no `aws:` keys. */
export function checkTags(tags: readonly { key?: string | undefined; value?: string | undefined }[]): Tag[] {
  if (tags.length > MAX_TAGS)
    throw ecsError('InvalidParameterException', `Tags can have at most ${MAX_TAGS} items.`);
  return tags.map((t) => {
    const key = t.key ?? '';
    const value = t.value ?? '';
    if (key.length < 1 || key.length > 128) {
      throw ecsError('InvalidParameterException', 'Tag keys must be between 1 and 128 characters in length.');
    }
    if (value.length > 256) {
      throw ecsError(
        'InvalidParameterException',
        'Tag values must be between 0 and 256 characters in length.',
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw ecsError(
        'InvalidParameterException',
        "Tag keys that begin with 'aws:' are reserved for AWS use.",
      );
    }
    return { key, value };
  });
}
