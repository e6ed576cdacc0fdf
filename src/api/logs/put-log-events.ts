import type { PutLogEventsRequest, PutLogEventsResponse } from '@aws-sdk/client-cloudwatch-logs';
import { judgeBatch } from '../../core/logs/event-batch.ts';
import { logsError, streamNotFound } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { appendLogEvents } from '../../store/log-ingest.ts';
import { findLogStream } from '../../store/log-streams.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';
import { sequenceToken } from './log-views.ts';

/**
 * Stores a batch of events, as today's service does: sequence tokens are ignored (never
 * InvalidSequenceTokenException or DataAlreadyAcceptedException), batches out of order, too
 * large or spanning more than 24 hours are refused, and events too old or too new are set aside
 * and reported in rejectedLogEventsInfo while the rest are stored.
 */
export async function putLogEvents(
  ctx: OperationContext,
  input: Wire<PutLogEventsRequest>,
): Promise<Wire<PutLogEventsResponse>> {
  const events = input.logEvents!.map((e) => ({ timestamp: e.timestamp!, message: e.message! }));
  return ctx.deps.store.write(async (tx) => {
    const group = await groupByName(tx, ctx, input.logGroupName!);
    const stream = await findLogStream(tx, group.id, input.logStreamName!);
    if (!stream) throw streamNotFound();
    const verdict = judgeBatch(events, ctx.now, group.retentionDays);
    if (!verdict.ok) throw logsError('InvalidParameterException', verdict.problem);
    await appendLogEvents(tx, { groupId: group.id, streamId: stream.id }, verdict.accepted, ctx.now);
    const rejected = Object.keys(verdict.rejected).length > 0;
    return {
      nextSequenceToken: sequenceToken({ id: stream.id, lastIngestionAt: ctx.now }),
      ...(rejected && { rejectedLogEventsInfo: verdict.rejected }),
    };
  });
}
