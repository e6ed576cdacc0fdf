import type { Kysely } from 'kysely';
import { taskArn } from '../../core/ecs/ecs-arn.ts';
import type { Task, TaskRecord } from '../../core/ecs/task.ts';
import type { Scope } from '../../core/scope.ts';
import type { Database } from '../../store/schema.ts';
import { getTags } from '../../store/tags.ts';

/** A task as DescribeTasks answers it; tags only when asked for. */
export async function taskView(
  db: Kysely<Database>,
  scope: Scope,
  t: TaskRecord,
  withTags: boolean,
): Promise<Task> {
  if (!withTags) return t.doc;
  return { ...t.doc, tags: await getTags(db, taskArn(scope, t.cluster, t.id)) };
}
