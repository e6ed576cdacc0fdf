import { type Kysely, sql } from 'kysely';
import type { Database, LogStreamRow } from './schema.ts';

export interface LogStreamRecord {
  id: number;
  groupId: number;
  name: string;
  createdAt: number;
  firstEventAt: number | undefined;
  lastEventAt: number | undefined;
  lastIngestionAt: number | undefined;
}

type Selected = Omit<LogStreamRow, 'id'> & { id: number };

const toStream = (r: Selected): LogStreamRecord => ({
  id: r.id,
  groupId: r.group_id,
  name: r.name,
  createdAt: r.created_at,
  firstEventAt: r.first_event_at ?? undefined,
  lastEventAt: r.last_event_at ?? undefined,
  lastIngestionAt: r.last_ingestion_at ?? undefined,
});

export async function findLogStream(
  db: Kysely<Database>,
  groupId: number,
  name: string,
): Promise<LogStreamRecord | undefined> {
  const row = await db
    .selectFrom('log_streams')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toStream(row);
}

/** Inserts a stream; throws a unique violation when the group has one of that name. Returns its id. */
export async function insertLogStream(
  db: Kysely<Database>,
  s: { groupId: number; name: string; createdAt: number },
): Promise<number> {
  const row = await db
    .insertInto('log_streams')
    .values({ group_id: s.groupId, name: s.name, created_at: s.createdAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export type StreamOrder = { by: 'name'; after?: string } | { by: 'lastEvent'; after?: [number, string] };

/**
 * A group's streams, by name or by last event time (streams without events first), ascending or
 * descending, after a position (exclusive); `limit` + 1 of them, to tell if more follow.
 */
export async function listLogStreams(
  db: Kysely<Database>,
  groupId: number,
  opts: {
    prefix?: string;
    names?: readonly string[];
    order: StreamOrder;
    descending: boolean;
    limit: number;
  },
): Promise<LogStreamRecord[]> {
  let q = db.selectFrom('log_streams').selectAll().where('group_id', '=', groupId);
  if (opts.prefix !== undefined)
    q = q.where('name', '>=', opts.prefix).where('name', '<', `${opts.prefix}\u{10ffff}`);
  if (opts.names !== undefined) q = q.where('name', 'in', opts.names.length ? opts.names : ['']);
  const dir = opts.descending ? 'desc' : 'asc';
  const cmp = opts.descending ? '<' : '>';
  if (opts.order.by === 'name') {
    if (opts.order.after !== undefined) q = q.where('name', cmp, opts.order.after);
    q = q.orderBy('name', dir);
  } else {
    const lastEvent = sql<number>`coalesce(last_event_at, -1)`;
    if (opts.order.after) {
      const [t, name] = opts.order.after;
      q = q.where((eb) => eb(eb.refTuple(lastEvent, 'name'), cmp, eb.tuple(t, name)));
    }
    q = q.orderBy(lastEvent, dir).orderBy('name', dir);
  }
  return (await q.limit(opts.limit + 1).execute()).map(toStream);
}

/** Records a batch stored in the stream: its first and last event times and the ingestion time. */
export async function noteIngestion(
  db: Kysely<Database>,
  streamId: number,
  batch: { first: number; last: number; at: number },
): Promise<void> {
  await db
    .updateTable('log_streams')
    .set({
      first_event_at: sql<number>`case when first_event_at is null or first_event_at > ${batch.first} then ${batch.first} else first_event_at end`,
      last_event_at: sql<number>`case when last_event_at is null or last_event_at < ${batch.last} then ${batch.last} else last_event_at end`,
      last_ingestion_at: batch.at,
    })
    .where('id', '=', streamId)
    .execute();
}

/** Removes a stream and its events; returns the bytes they held. */
export async function deleteLogStream(db: Kysely<Database>, streamId: number): Promise<number> {
  const { bytes } = await db
    .selectFrom('log_events')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size_bytes'), sql<number>`0`).as('bytes'))
    .where('stream_id', '=', streamId)
    .executeTakeFirstOrThrow();
  await db.deleteFrom('log_events').where('stream_id', '=', streamId).execute();
  await db.deleteFrom('log_streams').where('id', '=', streamId).execute();
  return Number(bytes);
}
