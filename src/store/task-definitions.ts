import { type Kysely, sql } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

export type TaskDefinitionStatus = 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';

export interface TaskDefinitionRecord<Doc = Record<string, unknown>> {
  family: string;
  revision: number;
  status: TaskDefinitionStatus;
  /** The task definition as DescribeTaskDefinition returns it. */
  doc: Doc;
  registeredAt: number;
}

type Row = Database['task_definitions'];

const toRecord = <Doc>(r: Row): TaskDefinitionRecord<Doc> => ({
  family: r.family,
  revision: r.revision,
  status: r.status as TaskDefinitionStatus,
  doc: JSON.parse(r.doc) as Doc,
  registeredAt: r.registered_at,
});

const inScope = (db: Kysely<Database>, scope: Scope) =>
  db.selectFrom('task_definitions').where('account', '=', scope.account).where('region', '=', scope.region);

/** Takes the next revision number of a family; revisions never repeat, even after deletion. */
export async function nextRevision(db: Kysely<Database>, scope: Scope, family: string): Promise<number> {
  const row = await db
    .insertInto('task_definition_families')
    .values({ account: scope.account, region: scope.region, family, last_revision: 1 })
    .onConflict((oc) =>
      oc
        .columns(['account', 'region', 'family'])
        .doUpdateSet({ last_revision: sql`task_definition_families.last_revision + 1` }),
    )
    .returning('last_revision')
    .executeTakeFirstOrThrow();
  return row.last_revision;
}

export async function insertTaskDefinition(
  db: Kysely<Database>,
  scope: Scope,
  r: TaskDefinitionRecord<unknown>,
) {
  await db
    .insertInto('task_definitions')
    .values({
      account: scope.account,
      region: scope.region,
      family: r.family,
      revision: r.revision,
      status: r.status,
      doc: JSON.stringify(r.doc),
      registered_at: r.registeredAt,
    })
    .execute();
}

export async function updateTaskDefinition(
  db: Kysely<Database>,
  scope: Scope,
  r: TaskDefinitionRecord<unknown>,
) {
  await db
    .updateTable('task_definitions')
    .set({ status: r.status, doc: JSON.stringify(r.doc) })
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('family', '=', r.family)
    .where('revision', '=', r.revision)
    .execute();
}

export async function deleteTaskDefinitionRow(
  db: Kysely<Database>,
  scope: Scope,
  family: string,
  revision: number,
) {
  await db
    .deleteFrom('task_definitions')
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('family', '=', family)
    .where('revision', '=', revision)
    .execute();
}

export async function getTaskDefinition<Doc>(
  db: Kysely<Database>,
  scope: Scope,
  family: string,
  revision: number,
) {
  const row = await inScope(db, scope)
    .selectAll()
    .where('family', '=', family)
    .where('revision', '=', revision)
    .executeTakeFirst();
  return row && toRecord<Doc>(row);
}

/** The highest ACTIVE revision of a family, which is what a bare family name means. */
export async function latestActiveTaskDefinition<Doc>(db: Kysely<Database>, scope: Scope, family: string) {
  const row = await inScope(db, scope)
    .selectAll()
    .where('family', '=', family)
    .where('status', '=', 'ACTIVE')
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toRecord<Doc>(row);
}

export interface TaskDefinitionPage {
  familyPrefix?: string | undefined;
  status: TaskDefinitionStatus;
  order: 'asc' | 'desc';
  after?: { family: string; revision: number } | undefined;
  limit: number;
}

/** (family, revision) pairs in order, for ListTaskDefinitions. */
export async function listTaskDefinitionKeys(db: Kysely<Database>, scope: Scope, page: TaskDefinitionPage) {
  let q = inScope(db, scope).select(['family', 'revision']).where('status', '=', page.status);
  if (page.familyPrefix)
    q = q.where(sql<string>`substr(family, 1, ${page.familyPrefix.length})`, '=', page.familyPrefix);
  const after = page.after;
  if (after) {
    const cmp = page.order === 'asc' ? '>' : '<';
    q = q.where((eb) =>
      eb.or([
        eb('family', cmp, after.family),
        eb.and([eb('family', '=', after.family), eb('revision', cmp, after.revision)]),
      ]),
    );
  }
  return q.orderBy('family', page.order).orderBy('revision', page.order).limit(page.limit).execute();
}

/**
 * Family names in order, for ListTaskDefinitionFamilies. A family is ACTIVE while it has an
 * ACTIVE revision and INACTIVE when it has revisions but none ACTIVE.
 */
export async function listFamilies(
  db: Kysely<Database>,
  scope: Scope,
  page: {
    familyPrefix?: string | undefined;
    status: 'ACTIVE' | 'INACTIVE' | 'ALL';
    after?: string | undefined;
    limit: number;
  },
): Promise<string[]> {
  const active = sql<number>`sum(case when status = 'ACTIVE' then 1 else 0 end)`;
  let q = inScope(db, scope).select('family').where('status', '!=', 'DELETE_IN_PROGRESS').groupBy('family');
  if (page.familyPrefix)
    q = q.where(sql<string>`substr(family, 1, ${page.familyPrefix.length})`, '=', page.familyPrefix);
  if (page.after !== undefined) q = q.where('family', '>', page.after);
  if (page.status === 'ACTIVE') q = q.having(active, '>', 0);
  if (page.status === 'INACTIVE') q = q.having(active, '=', 0);
  const rows = await q.orderBy('family').limit(page.limit).execute();
  return rows.map((r) => r.family);
}
