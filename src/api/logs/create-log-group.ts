import type { CreateLogGroupRequest } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupArn } from '../../core/logs/log-group-arn.ts';
import { LogsMessages, logsError } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { isUniqueViolation } from '../../store/conflicts.ts';
import { findLogGroup, insertLogGroup } from '../../store/log-groups.ts';
import { putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { tagsOfMap } from './log-tags.ts';

export async function createLogGroup(
  ctx: OperationContext,
  input: Wire<CreateLogGroupRequest>,
): Promise<object> {
  const name = input.logGroupName!;
  const tags = tagsOfMap(input.tags);
  return ctx.deps.store.write(async (tx) => {
    if (await findLogGroup(tx, ctx.scope, name)) throw exists();
    try {
      await insertLogGroup(tx, {
        account: ctx.scope.account,
        region: ctx.scope.region,
        name,
        createdAt: ctx.now,
        retentionDays: undefined,
        kmsKeyId: input.kmsKeyId || undefined,
        logGroupClass: input.logGroupClass ?? 'STANDARD',
        deletionProtection: input.deletionProtectionEnabled === true,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw exists();
      throw err;
    }
    await putTags(tx, logGroupArn(ctx.scope, name), tags);
    return {};
  });
}

const exists = () => logsError('ResourceAlreadyExistsException', LogsMessages.groupExists);
