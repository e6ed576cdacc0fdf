import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/** Deletes tasks STOPPED before `before` with their tags; returns how many. */
export async function forgetStoppedTasks(db: Kysely<Database>, before: number): Promise<number> {
  const gone = await db
    .deleteFrom('tasks')
    .where('last_status', '=', 'STOPPED')
    .where('stopped_at', '<', before)
    .returning(['id', 'account', 'region', 'cluster'])
    .execute();
  for (const t of gone) {
    await db
      .deleteFrom('tags')
      .where('resource_arn', '=', `arn:aws:ecs:${t.region}:${t.account}:task/${t.cluster}/${t.id}`)
      .execute();
  }
  return gone.length;
}

/** Removes DELETE_IN_PROGRESS task definitions that no task not yet STOPPED uses; returns how many. */
export async function purgeDeletedTaskDefinitions(db: Kysely<Database>): Promise<number> {
  const gone = await db
    .deleteFrom('task_definitions')
    .where('status', '=', 'DELETE_IN_PROGRESS')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('tasks')
            .select(sql`1`.as('one'))
            .whereRef('tasks.account', '=', 'task_definitions.account')
            .whereRef('tasks.region', '=', 'task_definitions.region')
            .whereRef('tasks.family', '=', 'task_definitions.family')
            .whereRef('tasks.revision', '=', 'task_definitions.revision')
            .where('tasks.last_status', '!=', 'STOPPED'),
        ),
      ),
    )
    .returning(['account', 'region', 'family', 'revision'])
    .execute();
  for (const d of gone) {
    await db
      .deleteFrom('tags')
      .where(
        'resource_arn',
        '=',
        `arn:aws:ecs:${d.region}:${d.account}:task-definition/${d.family}:${d.revision}`,
      )
      .execute();
  }
  return gone.length;
}
