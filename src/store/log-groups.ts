import { type Kysely, sql } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database, LogGroupRow } from './schema.ts';

/** A log group as the store keeps it. */
export interface LogGroupRecord {
  id: number;
  account: string;
  region: string;
  name: string;
  createdAt: number;
  retentionDays: number | undefined;
  kmsKeyId: string | undefined;
  logGroupClass: string;
  deletionProtection: boolean;
  storedBytes: number;
}

type Selected = Omit<LogGroupRow, 'id'> & { id: number };

const toGroup = (r: Selected): LogGroupRecord => ({
  id: r.id,
  account: r.account,
  region: r.region,
  name: r.name,
  createdAt: r.created_at,
  retentionDays: r.retention_days ?? undefined,
  kmsKeyId: r.kms_key_id ?? undefined,
  logGroupClass: r.log_group_class,
  deletionProtection: r.deletion_protection === 1,
  storedBytes: r.stored_bytes,
});

export async function findLogGroup(
  db: Kysely<Database>,
  scope: Scope,
  name: string,
): Promise<LogGroupRecord | undefined> {
  const row = await db
    .selectFrom('log_groups')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toGroup(row);
}

/** Inserts a group; throws a unique violation when one of that name exists. Returns its id. */
export async function insertLogGroup(
  db: Kysely<Database>,
  g: Omit<LogGroupRecord, 'id' | 'storedBytes'>,
): Promise<number> {
  const row = await db
    .insertInto('log_groups')
    .values({
      account: g.account,
      region: g.region,
      name: g.name,
      created_at: g.createdAt,
      retention_days: g.retentionDays ?? null,
      kms_key_id: g.kmsKeyId ?? null,
      log_group_class: g.logGroupClass,
      deletion_protection: g.deletionProtection ? 1 : 0,
      stored_bytes: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Groups of a scope in name order, after `after` (exclusive), `limit` + 1 of them to tell if more follow. */
export async function listLogGroups(
  db: Kysely<Database>,
  scope: Scope,
  opts: {
    prefix?: string;
    contains?: string;
    logGroupClass?: string;
    names?: readonly string[];
    after?: string;
    limit: number;
  },
): Promise<LogGroupRecord[]> {
  let q = db
    .selectFrom('log_groups')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region);
  if (opts.prefix !== undefined)
    q = q.where('name', '>=', opts.prefix).where('name', '<', `${opts.prefix}\u{10ffff}`);
  if (opts.logGroupClass !== undefined) q = q.where('log_group_class', '=', opts.logGroupClass);
  if (opts.names !== undefined) q = q.where('name', 'in', opts.names.length ? opts.names : ['']);
  if (opts.after !== undefined) q = q.where('name', '>', opts.after);
  const rows = (await q.orderBy('name').execute()).map(toGroup);
  // A case-sensitive substring search, done here so both dialects agree on it.
  const kept = opts.contains === undefined ? rows : rows.filter((g) => g.name.includes(opts.contains!));
  return kept.slice(0, opts.limit + 1);
}

export async function setRetention(db: Kysely<Database>, id: number, days: number | null): Promise<void> {
  await db.updateTable('log_groups').set({ retention_days: days }).where('id', '=', id).execute();
}

/** Adds (or with a negative count, removes) bytes from a group's storedBytes. */
export async function addStoredBytes(db: Kysely<Database>, id: number, bytes: number): Promise<void> {
  if (bytes === 0) return;
  await db
    .updateTable('log_groups')
    .set({ stored_bytes: sql<number>`stored_bytes + ${bytes}` })
    .where('id', '=', id)
    .execute();
}

/** Removes a group with its streams and events. */
export async function deleteLogGroup(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('log_events').where('group_id', '=', id).execute();
  await db.deleteFrom('log_streams').where('group_id', '=', id).execute();
  await db.deleteFrom('log_groups').where('id', '=', id).execute();
}

/** Groups with a retention policy, for the janitor. */
export async function groupsWithRetention(db: Kysely<Database>): Promise<LogGroupRecord[]> {
  const rows = await db
    .selectFrom('log_groups')
    .selectAll()
    .where('retention_days', 'is not', null)
    .execute();
  return rows.map(toGroup);
}
