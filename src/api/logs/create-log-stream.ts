import type { CreateLogStreamRequest } from '@aws-sdk/client-cloudwatch-logs';
import { LogsMessages, logsError } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { isUniqueViolation } from '../../store/conflicts.ts';
import { findLogStream, insertLogStream } from '../../store/log-streams.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';

export async function createLogStream(
  ctx: OperationContext,
  input: Wire<CreateLogStreamRequest>,
): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const group = await groupByName(tx, ctx, input.logGroupName!);
    const name = input.logStreamName!;
    if (await findLogStream(tx, group.id, name)) throw exists();
    try {
      await insertLogStream(tx, { groupId: group.id, name, createdAt: ctx.now });
    } catch (err) {
      if (isUniqueViolation(err)) throw exists();
      throw err;
    }
    return {};
  });
}

const exists = () => logsError('ResourceAlreadyExistsException', LogsMessages.streamExists);
