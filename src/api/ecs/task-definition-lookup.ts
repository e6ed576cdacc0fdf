import type { Kysely } from 'kysely';
import type { TaskDefinition } from '../../core/ecs/task-definition.ts';
import { parseTaskDefinitionRef } from '../../core/ecs/task-definition-ref.ts';
import type { Scope } from '../../core/scope.ts';
import type { Database } from '../../store/schema.ts';
import {
  getTaskDefinition,
  latestActiveTaskDefinition,
  type TaskDefinitionRecord,
} from '../../store/task-definitions.ts';

/**
 * The task definition a reference names: a bare family means its latest ACTIVE revision;
 * a revision is found whatever its status. Undefined when there is none.
 */
export async function findTaskDefinition(
  db: Kysely<Database>,
  scope: Scope,
  text: string,
): Promise<TaskDefinitionRecord<TaskDefinition> | undefined> {
  const ref = parseTaskDefinitionRef(scope, text);
  if (!ref) return undefined;
  return ref.revision === undefined
    ? latestActiveTaskDefinition<TaskDefinition>(db, scope, ref.family)
    : getTaskDefinition<TaskDefinition>(db, scope, ref.family, ref.revision);
}
