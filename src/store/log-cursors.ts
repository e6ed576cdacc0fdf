import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** How far the awslogs shipper has read one container's log. */
export interface LogCursorRecord {
  taskId: string;
  container: string;
  fileId: string;
  offset: number;
  droppedBytes: number;
}

export async function getLogCursor(
  db: Kysely<Database>,
  taskId: string,
  container: string,
): Promise<LogCursorRecord | undefined> {
  const r = await db
    .selectFrom('log_cursors')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('container', '=', container)
    .executeTakeFirst();
  return (
    r && {
      taskId: r.task_id,
      container: r.container,
      fileId: r.file_id,
      offset: r.file_offset,
      droppedBytes: r.dropped_bytes,
    }
  );
}

/** Records the new position; written in the transaction that stores the events read before it. */
export async function putLogCursor(db: Kysely<Database>, c: LogCursorRecord, now: number): Promise<void> {
  const values = { file_id: c.fileId, file_offset: c.offset, dropped_bytes: c.droppedBytes, updated_at: now };
  await db
    .insertInto('log_cursors')
    .values({ task_id: c.taskId, container: c.container, ...values })
    .onConflict((oc) => oc.columns(['task_id', 'container']).doUpdateSet(values))
    .execute();
}

/** Forgets a task's cursors, once its log files are gone. */
export async function deleteLogCursors(db: Kysely<Database>, taskId: string): Promise<void> {
  await db.deleteFrom('log_cursors').where('task_id', '=', taskId).execute();
}
