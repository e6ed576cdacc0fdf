import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** How far the awslogs shipper has read one container's log. */
export interface LogCursorRecord {
  taskId: string;
  container: string;
  offset: number;
  droppedBytes: number;
}

export async function getLogCursors(db: Kysely<Database>, taskId: string): Promise<LogCursorRecord[]> {
  const rows = await db.selectFrom('log_cursors').selectAll().where('task_id', '=', taskId).execute();
  return rows.map((r) => ({
    taskId: r.task_id,
    container: r.container,
    offset: r.file_offset,
    droppedBytes: r.dropped_bytes,
  }));
}

/** Records the new position; written in the transaction that stores the events read before it. */
export async function putLogCursor(db: Kysely<Database>, c: LogCursorRecord, now: number): Promise<void> {
  await db
    .insertInto('log_cursors')
    .values({
      task_id: c.taskId,
      container: c.container,
      file_offset: c.offset,
      dropped_bytes: c.droppedBytes,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['task_id', 'container']).doUpdateSet({
        file_offset: c.offset,
        dropped_bytes: c.droppedBytes,
        updated_at: now,
      }),
    )
    .execute();
}

/** Forgets a task's cursors, once its log files are gone. */
export async function deleteLogCursors(db: Kysely<Database>, taskId: string): Promise<void> {
  await db.deleteFrom('log_cursors').where('task_id', '=', taskId).execute();
}
