import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

/** What a user set on a repository. */
export interface RepositorySettings {
  imageTagMutability: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey?: string;
}

export interface RepositoryRecord {
  name: string;
  settings: RepositorySettings;
  createdAt: number;
}

type Row = Database['ecr_repositories'];

const toRecord = (r: Row): RepositoryRecord => ({
  name: r.name,
  settings: JSON.parse(r.doc) as RepositorySettings,
  createdAt: r.created_at,
});

export async function getRepository(
  db: Kysely<Database>,
  scope: Scope,
  name: string,
): Promise<RepositoryRecord | undefined> {
  const row = await db
    .selectFrom('ecr_repositories')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Inserts a repository; false when one of that name exists. */
export async function insertRepository(
  db: Kysely<Database>,
  scope: Scope,
  r: RepositoryRecord,
): Promise<boolean> {
  const result = await db
    .insertInto('ecr_repositories')
    .values({
      account: scope.account,
      region: scope.region,
      name: r.name,
      doc: JSON.stringify(r.settings),
      created_at: r.createdAt,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function updateRepositorySettings(
  db: Kysely<Database>,
  scope: Scope,
  name: string,
  settings: RepositorySettings,
): Promise<void> {
  await db
    .updateTable('ecr_repositories')
    .set({ doc: JSON.stringify(settings) })
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .execute();
}

/** Repositories in name order after `after`; `names` restricts them. */
export async function listRepositories(
  db: Kysely<Database>,
  scope: Scope,
  page: { after?: string | undefined; limit: number; names?: readonly string[] },
): Promise<RepositoryRecord[]> {
  let q = db
    .selectFrom('ecr_repositories')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region);
  if (page.names) {
    if (page.names.length === 0) return [];
    q = q.where('name', 'in', page.names);
  }
  if (page.after !== undefined) q = q.where('name', '>', page.after);
  const rows = await q.orderBy('name').limit(page.limit).execute();
  return rows.map(toRecord);
}

/** Deletes a repository with its images, tags, references and blob links. */
export async function deleteRepository(db: Kysely<Database>, scope: Scope, name: string): Promise<void> {
  for (const table of ['ecr_image_tags', 'ecr_image_refs', 'ecr_images', 'registry_blobs'] as const) {
    await db
      .deleteFrom(table)
      .where('account', '=', scope.account)
      .where('region', '=', scope.region)
      .where('repository', '=', name)
      .execute();
  }
  await db
    .deleteFrom('ecr_repositories')
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .execute();
}
