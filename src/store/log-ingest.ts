import type { Kysely } from 'kysely';
import { utf8Length } from '../core/logs/utf8-length.ts';
import { insertLogEvents } from './log-events.ts';
import { addStoredBytes } from './log-groups.ts';
import { noteIngestion } from './log-streams.ts';
import type { Database } from './schema.ts';

/**
 * Stores a batch of events in a stream, with what the stream and group report of them (first and
 * last event times, last ingestion, storedBytes). Callers run it in their transaction.
 */
export async function appendLogEvents(
  tx: Kysely<Database>,
  target: { groupId: number; streamId: number },
  events: readonly { timestamp: number; message: string }[],
  now: number,
): Promise<void> {
  if (events.length === 0) return;
  let bytes = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const sized = events.map((e) => {
    const sizeBytes = utf8Length(e.message);
    bytes += sizeBytes;
    if (e.timestamp < first) first = e.timestamp;
    if (e.timestamp > last) last = e.timestamp;
    return { timestamp: e.timestamp, message: e.message, sizeBytes };
  });
  await insertLogEvents(tx, { ...target, ingestedAt: now }, sized);
  await noteIngestion(tx, target.streamId, { first, last, at: now });
  await addStoredBytes(tx, target.groupId, bytes);
}
