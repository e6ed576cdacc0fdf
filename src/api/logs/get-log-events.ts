import type {
  GetLogEventsRequest,
  GetLogEventsResponse,
  OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { BATCH_LIMITS } from '../../core/logs/event-batch.ts';
import {
  type EventPosition,
  formatStreamToken,
  HEAD,
  parseStreamToken,
} from '../../core/logs/event-position.ts';
import { invalidToken, streamNotFound } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { type LogEventRecord, readStreamEvents } from '../../store/log-events.ts';
import { findLogStream } from '../../store/log-streams.ts';
import type { OperationContext } from '../operation.ts';
import { groupOfRequest } from './group-lookup.ts';

/** A response holds at most this much: 1 MB of events, 26 bytes each on top of their message. */
const MAX_RESPONSE_BYTES = 1_048_576;

/**
 * A page of one stream's events, oldest first. Without a token, the newest page (or the oldest,
 * with startFromHead); a forward token reads on after its position, a backward token the page
 * before it. At either end the token passed in comes back unchanged, as AWS does.
 */
export async function getLogEvents(
  ctx: OperationContext,
  input: Wire<GetLogEventsRequest>,
): Promise<Wire<GetLogEventsResponse>> {
  const db = ctx.deps.store.db;
  const group = await groupOfRequest(db, ctx, input);
  const stream = await findLogStream(db, group.id, input.logStreamName!);
  if (!stream) throw streamNotFound();
  const token = input.nextToken === undefined ? undefined : parseStreamToken(input.nextToken);
  if (input.nextToken !== undefined && !token) throw invalidToken();
  const limit = input.limit ?? 10_000;
  const range = {
    ...(input.startTime !== undefined && { startTime: input.startTime }),
    ...(input.endTime !== undefined && { endTime: input.endTime }),
  };
  const forward = token ? token.direction === 'f' : input.startFromHead === true;
  const rows = await readStreamEvents(db, stream.id, {
    ...range,
    ...(token && { from: token.after }),
    forward,
    limit,
  });
  const page = fit(rows, limit);
  const events = forward ? page : [...page].reverse();
  const first = events[0];
  const last = events.at(-1);
  let nextForward: string;
  let nextBackward: string;
  if (first && last) {
    // Forward reads after the last event shown, backward before the first.
    nextForward = formatStreamToken({ direction: 'f', after: at(last) });
    nextBackward = formatStreamToken({ direction: 'b', after: at(first) });
  } else if (token) {
    // At the end the same token comes back; the other direction reads from where it stands.
    const p = token.after;
    nextForward =
      token.direction === 'f'
        ? input.nextToken!
        : formatStreamToken({ direction: 'f', after: { timestamp: p.timestamp, id: Math.max(0, p.id - 1) } });
    nextBackward =
      token.direction === 'b'
        ? input.nextToken!
        : formatStreamToken({ direction: 'b', after: { timestamp: p.timestamp, id: p.id + 1 } });
  } else {
    nextForward = formatStreamToken({ direction: 'f', after: HEAD });
    nextBackward = formatStreamToken({ direction: 'b', after: HEAD });
  }
  return { events: events.map(view), nextForwardToken: nextForward, nextBackwardToken: nextBackward };
}

const at = (e: LogEventRecord): EventPosition => ({ timestamp: e.timestamp, id: e.id });

/** As many of the events (in reading order) as fit in `limit` and the response's size. */
function fit(rows: readonly LogEventRecord[], limit: number): LogEventRecord[] {
  const out: LogEventRecord[] = [];
  let bytes = 0;
  for (const r of rows) {
    if (out.length >= limit) break;
    bytes += r.sizeBytes + BATCH_LIMITS.bytesPerEvent;
    if (bytes > MAX_RESPONSE_BYTES && out.length > 0) break;
    out.push(r);
  }
  return out;
}

const view = (e: LogEventRecord): OutputLogEvent => ({
  timestamp: e.timestamp,
  message: e.message,
  ingestionTime: e.ingestedAt,
});
