import type {
  FilteredLogEvent,
  FilterLogEventsRequest,
  FilterLogEventsResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import { BATCH_LIMITS } from '../../core/logs/event-batch.ts';
import { type EventPosition, eventId } from '../../core/logs/event-position.ts';
import { type FilterPattern, matchesFilter, parseFilterPattern } from '../../core/logs/filter-pattern.ts';
import { FilterPatternError } from '../../core/logs/filter-pattern-error.ts';
import { invalidToken, logsError } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { readGroupEvents } from '../../store/log-events.ts';
import { type LogStreamRecord, listLogStreams } from '../../store/log-streams.ts';
import type { OperationContext } from '../operation.ts';
import { decodeToken, encodeToken } from '../protocol/pagination.ts';
import { groupOfRequest } from './group-lookup.ts';

const MAX_RESPONSE_BYTES = 1_048_576;
/** Rows read from the store at a time. */
const CHUNK = 1000;
/** Rows one call looks at before it answers with what it found and a token to go on, as AWS does. */
const SCAN_PER_CALL = 100_000;

type Token = [number, number];
const isToken = (v: unknown): v is Token =>
  Array.isArray(v) && v.length === 2 && v.every((n) => Number.isSafeInteger(n) && n >= 0);

/**
 * The events of a group (or some of its streams) in a time range that match a filter pattern,
 * interleaved across streams in time order, with eventIds that stay the same between calls
 * (what `aws logs tail --follow` relies on to skip events it has shown).
 */
export async function filterLogEvents(
  ctx: OperationContext,
  input: Wire<FilterLogEventsRequest>,
): Promise<Wire<FilterLogEventsResponse>> {
  const db = ctx.deps.store.db;
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw logsError(
      'InvalidParameterException',
      'logStreamNames and logStreamNamePrefix are mutually exclusive parameters.',
    );
  }
  let pattern: FilterPattern;
  try {
    pattern = parseFilterPattern(input.filterPattern);
  } catch (err) {
    if (err instanceof FilterPatternError) throw logsError('InvalidParameterException', err.message);
    throw err;
  }
  const group = await groupOfRequest(db, ctx, input);
  const token = decodeToken(input.nextToken, isToken, invalidToken);
  const limit = input.limit ?? 10_000;
  let streams: LogStreamRecord[] | undefined;
  if (input.logStreamNames !== undefined || input.logStreamNamePrefix !== undefined) {
    streams = await listLogStreams(db, group.id, {
      ...(input.logStreamNames !== undefined && { names: input.logStreamNames }),
      ...(input.logStreamNamePrefix !== undefined && { prefix: input.logStreamNamePrefix }),
      order: { by: 'name' },
      descending: false,
      limit: Number.MAX_SAFE_INTEGER - 1,
    });
  }
  const names = new Map<number, string>();
  const nameOf = async (streamId: number) => {
    if (!names.has(streamId)) {
      const row = await db
        .selectFrom('log_streams')
        .select('name')
        .where('id', '=', streamId)
        .executeTakeFirst();
      names.set(streamId, row?.name ?? '');
    }
    return names.get(streamId)!;
  };
  for (const s of streams ?? []) names.set(s.id, s.name);

  const events: FilteredLogEvent[] = [];
  let bytes = 0;
  let scanned = 0;
  let after: EventPosition | undefined = token && { timestamp: token[0], id: token[1] };
  let exhausted = false;
  let full = false;
  while (!full && !exhausted && scanned < SCAN_PER_CALL) {
    const rows = await readGroupEvents(db, group.id, {
      ...(input.startTime !== undefined && { startTime: input.startTime }),
      ...(input.endTime !== undefined && { endTime: input.endTime }),
      ...(streams && { streamIds: streams.map((s) => s.id) }),
      ...(after && { after }),
      limit: CHUNK,
    });
    exhausted = rows.length < CHUNK;
    for (const r of rows) {
      if (events.length >= limit || bytes + r.sizeBytes + BATCH_LIMITS.bytesPerEvent > MAX_RESPONSE_BYTES) {
        full = true;
        exhausted = false;
        break;
      }
      scanned++;
      after = { timestamp: r.timestamp, id: r.id };
      if (!matchesFilter(pattern, r.message)) continue;
      bytes += r.sizeBytes + BATCH_LIMITS.bytesPerEvent;
      events.push({
        logStreamName: await nameOf(r.streamId),
        timestamp: r.timestamp,
        message: r.message,
        ingestionTime: r.ingestedAt,
        eventId: eventId(after),
      });
    }
  }
  return {
    events,
    searchedLogStreams: [],
    ...(!exhausted && after && { nextToken: encodeToken([after.timestamp, after.id]) }),
  };
}
