import type { Kysely } from 'kysely';
import { groupOfIdentifier } from '../../core/logs/log-group-arn.ts';
import { groupNotFound, LogsMessages, logsError } from '../../core/logs/logs-errors.ts';
import { findLogGroup, type LogGroupRecord } from '../../store/log-groups.ts';
import type { Database } from '../../store/schema.ts';
import type { OperationContext } from '../operation.ts';

/** The group a request names by `logGroupName` or `logGroupIdentifier` (exactly one of them). */
export async function groupOfRequest(
  db: Kysely<Database>,
  ctx: OperationContext,
  input: { logGroupName?: string | undefined; logGroupIdentifier?: string | undefined },
): Promise<LogGroupRecord> {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw logsError('InvalidParameterException', LogsMessages.groupNameAndIdentifier);
  }
  if (input.logGroupName === undefined && input.logGroupIdentifier === undefined) {
    throw logsError('InvalidParameterException', LogsMessages.groupNameOrIdentifier);
  }
  const named = input.logGroupName ?? input.logGroupIdentifier!;
  const { name, scope } =
    input.logGroupName !== undefined ? { name: named, scope: undefined } : groupOfIdentifier(named);
  if (scope && (scope.account !== ctx.scope.account || scope.region !== ctx.scope.region))
    throw groupNotFound();
  const group = await findLogGroup(db, ctx.scope, name);
  if (!group) throw groupNotFound();
  return group;
}

/** The group named by `logGroupName`, for the operations that take only that. */
export async function groupByName(
  db: Kysely<Database>,
  ctx: OperationContext,
  name: string,
): Promise<LogGroupRecord> {
  const group = await findLogGroup(db, ctx.scope, name);
  if (!group) throw groupNotFound();
  return group;
}
