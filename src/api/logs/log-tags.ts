import type { Tag } from '../../store/tags.ts';

/** How many tags a log group can have. */
export const MAX_LOG_GROUP_TAGS = 50;

/** CloudWatch Logs' tag map (its keys and values the model already checked) as the store keeps tags. */
export const tagsOfMap = (tags: Record<string, string> | undefined): Tag[] =>
  Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));

export const mapOfTags = (tags: readonly Tag[]): Record<string, string> =>
  Object.fromEntries(tags.map((t) => [t.key, t.value]));
