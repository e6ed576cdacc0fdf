import { type Kysely, sql } from 'kysely';
import type { EventPosition } from '../core/logs/event-position.ts';
import type { Database } from './schema.ts';

/** An event as GetLogEvents and FilterLogEvents read it. */
export interface LogEventRecord {
  id: number;
  streamId: number;
  timestamp: number;
  ingestedAt: number;
  sizeBytes: number;
  message: string;
}

const EVENT_COLUMNS = ['id', 'stream_id', 'event_time', 'ingested_at', 'size_bytes', 'message'] as const;

const toEvent = (r: {
  id: number;
  stream_id: number;
  event_time: number;
  ingested_at: number;
  size_bytes: number;
  message: string;
}): LogEventRecord => ({
  id: r.id,
  streamId: r.stream_id,
  timestamp: r.event_time,
  ingestedAt: r.ingested_at,
  sizeBytes: r.size_bytes,
  message: r.message,
});

/** Rows per INSERT: well under both dialects' limits on bound values. */
const CHUNK = 2000;

/** Stores events (in the order given, which is their storing order). */
export async function insertLogEvents(
  db: Kysely<Database>,
  target: { groupId: number; streamId: number; ingestedAt: number },
  events: readonly { timestamp: number; message: string; sizeBytes: number }[],
): Promise<void> {
  for (let i = 0; i < events.length; i += CHUNK) {
    await db
      .insertInto('log_events')
      .values(
        events.slice(i, i + CHUNK).map((e) => ({
          group_id: target.groupId,
          stream_id: target.streamId,
          event_time: e.timestamp,
          ingested_at: target.ingestedAt,
          size_bytes: e.sizeBytes,
          message: e.message,
        })),
      )
      .execute();
  }
}

export interface EventRange {
  /** Inclusive. */
  startTime?: number;
  /** Exclusive. */
  endTime?: number;
}

/**
 * A stream's events in order: `forward` those after `from` (exclusive), ascending; otherwise
 * those before `from` (exclusive; all when absent), nearest first. At most `limit`.
 */
export async function readStreamEvents(
  db: Kysely<Database>,
  streamId: number,
  opts: EventRange & { from?: EventPosition; forward: boolean; limit: number },
): Promise<LogEventRecord[]> {
  let q = db.selectFrom('log_events').select(EVENT_COLUMNS).where('stream_id', '=', streamId);
  if (opts.startTime !== undefined) q = q.where('event_time', '>=', opts.startTime);
  if (opts.endTime !== undefined) q = q.where('event_time', '<', opts.endTime);
  if (opts.from) {
    const { timestamp, id } = opts.from;
    q = q.where((eb) =>
      eb(eb.refTuple('event_time', 'id'), opts.forward ? '>' : '<', eb.tuple(timestamp, id)),
    );
  }
  const dir = opts.forward ? 'asc' : 'desc';
  const rows = await q.orderBy('event_time', dir).orderBy('id', dir).limit(opts.limit).execute();
  return rows.map(toEvent);
}

/**
 * A group's events in time order after `after` (exclusive), optionally of some streams only:
 * FilterLogEvents reads them a chunk at a time and matches its pattern on each.
 */
export async function readGroupEvents(
  db: Kysely<Database>,
  groupId: number,
  opts: EventRange & { after?: EventPosition; streamIds?: readonly number[]; limit: number },
): Promise<LogEventRecord[]> {
  let q = db.selectFrom('log_events').select(EVENT_COLUMNS).where('group_id', '=', groupId);
  if (opts.streamIds !== undefined)
    q = q.where('stream_id', 'in', opts.streamIds.length ? opts.streamIds : [-1]);
  if (opts.startTime !== undefined) q = q.where('event_time', '>=', opts.startTime);
  if (opts.endTime !== undefined) q = q.where('event_time', '<=', opts.endTime);
  if (opts.after) {
    const { timestamp, id } = opts.after;
    q = q.where((eb) => eb(eb.refTuple('event_time', 'id'), '>', eb.tuple(timestamp, id)));
  }
  const rows = await q.orderBy('event_time').orderBy('id').limit(opts.limit).execute();
  return rows.map(toEvent);
}

/** Deletes a group's events older than `before` (epoch ms); returns how many and the bytes they held. */
export async function deleteEventsBefore(
  db: Kysely<Database>,
  groupId: number,
  before: number,
): Promise<{ events: number; bytes: number }> {
  const { events, bytes } = await db
    .selectFrom('log_events')
    .select((eb) => [
      eb.fn.countAll<number>().as('events'),
      eb.fn.coalesce(eb.fn.sum<number>('size_bytes'), sql<number>`0`).as('bytes'),
    ])
    .where('group_id', '=', groupId)
    .where('event_time', '<', before)
    .executeTakeFirstOrThrow();
  if (Number(events) === 0) return { events: 0, bytes: 0 };
  await db
    .deleteFrom('log_events')
    .where('group_id', '=', groupId)
    .where('event_time', '<', before)
    .execute();
  return { events: Number(events), bytes: Number(bytes) };
}
