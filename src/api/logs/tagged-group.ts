import type { Kysely } from 'kysely';
import { logGroupArn, parseLogGroupArn } from '../../core/logs/log-group-arn.ts';
import { groupNotFound, logsError } from '../../core/logs/logs-errors.ts';
import { findLogGroup } from '../../store/log-groups.ts';
import type { Database } from '../../store/schema.ts';
import { getTags, putTags, type Tag } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { MAX_LOG_GROUP_TAGS } from './log-tags.ts';

/** The ARN tags are kept under for the group a resourceArn names (log groups are what can be tagged here). */
export async function taggableGroupArn(
  db: Kysely<Database>,
  ctx: OperationContext,
  resourceArn: string,
): Promise<string> {
  const parsed = parseLogGroupArn(resourceArn);
  if (!parsed) throw logsError('InvalidParameterException', `Invalid resource ARN: ${resourceArn}`);
  const { scope, name } = parsed;
  if (scope.account !== ctx.scope.account || scope.region !== ctx.scope.region) throw groupNotFound();
  if (!(await findLogGroup(db, ctx.scope, name))) throw groupNotFound();
  return logGroupArn(ctx.scope, name);
}

/** Adds tags to a group, refusing to go past 50 as AWS does. */
export async function addGroupTags(db: Kysely<Database>, arn: string, tags: readonly Tag[]): Promise<void> {
  const keys = new Set([...(await getTags(db, arn)).map((t) => t.key), ...tags.map((t) => t.key)]);
  if (keys.size > MAX_LOG_GROUP_TAGS) {
    throw logsError('TooManyTagsException', `A resource can have no more than ${MAX_LOG_GROUP_TAGS} tags.`);
  }
  await putTags(db, arn, tags);
}
