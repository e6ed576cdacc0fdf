import type { DeleteLogStreamRequest } from '@aws-sdk/client-cloudwatch-logs';
import { streamNotFound } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { addStoredBytes } from '../../store/log-groups.ts';
import { findLogStream, deleteLogStream as removeStream } from '../../store/log-streams.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';

export async function deleteLogStream(
  ctx: OperationContext,
  input: Wire<DeleteLogStreamRequest>,
): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const group = await groupByName(tx, ctx, input.logGroupName!);
    const stream = await findLogStream(tx, group.id, input.logStreamName!);
    if (!stream) throw streamNotFound();
    const bytes = await removeStream(tx, stream.id);
    await addStoredBytes(tx, group.id, -bytes);
    return {};
  });
}
