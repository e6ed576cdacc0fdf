import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { SecretRef } from '../core/secrets/secret-id.ts';
import type { Database, SecretRow, SecretVersionRow } from './schema.ts';
import { deleteTags } from './tags.ts';

/** A Secrets Manager secret, without its values. */
export interface SecretRecord {
  arn: string;
  account: string;
  region: string;
  name: string;
  description: string | undefined;
  kmsKeyId: string | undefined;
  secretType: string | undefined;
  createdAt: number;
  changedAt: number;
  accessedAt: number | undefined;
  deletedAt: number | undefined;
  purgeAt: number | undefined;
  lastSeq: number;
}

/** One version of a secret; its value stays encrypted until an operation needs it. */
export interface SecretVersionRecord {
  secretArn: string;
  versionId: string;
  seq: number;
  stages: string[];
  kind: 'string' | 'binary';
  ciphertext: string;
  createdAt: number;
  accessedAt: number | undefined;
}

const toSecret = (r: SecretRow): SecretRecord => ({
  arn: r.arn,
  account: r.account,
  region: r.region,
  name: r.name,
  description: r.description ?? undefined,
  kmsKeyId: r.kms_key_id ?? undefined,
  secretType: r.secret_type ?? undefined,
  createdAt: r.created_at,
  changedAt: r.changed_at,
  accessedAt: r.accessed_at ?? undefined,
  deletedAt: r.deleted_at ?? undefined,
  purgeAt: r.purge_at ?? undefined,
  lastSeq: r.last_seq,
});

const toVersion = (r: SecretVersionRow): SecretVersionRecord => ({
  secretArn: r.secret_arn,
  versionId: r.version_id,
  seq: r.seq,
  stages: JSON.parse(r.stages) as string[],
  kind: r.kind === 'binary' ? 'binary' : 'string',
  ciphertext: r.ciphertext,
  createdAt: r.created_at,
  accessedAt: r.accessed_at ?? undefined,
});

/** The secret a SecretId names: a full ARN exactly, else by name (a partial ARN or a plain name). */
export async function findSecret(db: Kysely<Database>, ref: SecretRef): Promise<SecretRecord | undefined> {
  if (ref.kind === 'arn') {
    const exact = await db.selectFrom('secrets').selectAll().where('arn', '=', ref.arn).executeTakeFirst();
    if (exact) return toSecret(exact);
  }
  const row = await db
    .selectFrom('secrets')
    .selectAll()
    .where('account', '=', ref.scope.account)
    .where('region', '=', ref.scope.region)
    .where('name', '=', ref.name)
    .executeTakeFirst();
  return row && toSecret(row);
}

/**
 * Holds the secret's row until the transaction ends, so writes to one secret (its versions and
 * their labels) happen one after the other; PostgreSQL locks the row, SQLite has one writer anyway.
 */
export async function lockSecret(db: Kysely<Database>, arn: string): Promise<SecretRecord | undefined> {
  await db
    .updateTable('secrets')
    .set((eb) => ({ last_seq: eb.ref('last_seq') }))
    .where('arn', '=', arn)
    .execute();
  const row = await db.selectFrom('secrets').selectAll().where('arn', '=', arn).executeTakeFirst();
  return row && toSecret(row);
}

/** Every secret of an account in a region, deleted ones only when asked. */
export async function listSecretRecords(
  db: Kysely<Database>,
  scope: Scope,
  opts: { includeDeleted: boolean },
): Promise<SecretRecord[]> {
  let q = db
    .selectFrom('secrets')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region);
  if (!opts.includeDeleted) q = q.where('deleted_at', 'is', null);
  return (await q.orderBy('name').execute()).map(toSecret);
}

export async function insertSecret(db: Kysely<Database>, s: SecretRecord): Promise<void> {
  await db
    .insertInto('secrets')
    .values({
      arn: s.arn,
      account: s.account,
      region: s.region,
      name: s.name,
      description: s.description ?? null,
      kms_key_id: s.kmsKeyId ?? null,
      secret_type: s.secretType ?? null,
      created_at: s.createdAt,
      changed_at: s.changedAt,
      accessed_at: s.accessedAt ?? null,
      deleted_at: s.deletedAt ?? null,
      purge_at: s.purgeAt ?? null,
      last_seq: s.lastSeq,
    })
    .execute();
}

/** Changes a secret's metadata; `null` clears a field. */
export async function updateSecretRecord(
  db: Kysely<Database>,
  arn: string,
  patch: Partial<{
    description: string | null;
    kmsKeyId: string | null;
    secretType: string | null;
    changedAt: number;
    accessedAt: number;
    deletedAt: number | null;
    purgeAt: number | null;
    lastSeq: number;
  }>,
): Promise<void> {
  const set: Partial<SecretRow> = {};
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.kmsKeyId !== undefined) set.kms_key_id = patch.kmsKeyId;
  if (patch.secretType !== undefined) set.secret_type = patch.secretType;
  if (patch.changedAt !== undefined) set.changed_at = patch.changedAt;
  if (patch.accessedAt !== undefined) set.accessed_at = patch.accessedAt;
  if (patch.deletedAt !== undefined) set.deleted_at = patch.deletedAt;
  if (patch.purgeAt !== undefined) set.purge_at = patch.purgeAt;
  if (patch.lastSeq !== undefined) set.last_seq = patch.lastSeq;
  if (Object.keys(set).length === 0) return;
  await db.updateTable('secrets').set(set).where('arn', '=', arn).execute();
}

/** A secret's versions, oldest first. */
export async function getSecretVersions(db: Kysely<Database>, arn: string): Promise<SecretVersionRecord[]> {
  const rows = await db
    .selectFrom('secret_versions')
    .selectAll()
    .where('secret_arn', '=', arn)
    .orderBy('seq')
    .execute();
  return rows.map(toVersion);
}

/** The labelled versions of many secrets at once (ListSecrets), by secret ARN. */
export async function getStagesOf(
  db: Kysely<Database>,
  arns: readonly string[],
): Promise<Map<string, Record<string, string[]>>> {
  const out = new Map<string, Record<string, string[]>>();
  if (arns.length === 0) return out;
  const rows = await db
    .selectFrom('secret_versions')
    .select(['secret_arn', 'version_id', 'stages'])
    .where('secret_arn', 'in', arns)
    .orderBy('seq')
    .execute();
  for (const r of rows) {
    const stages = JSON.parse(r.stages) as string[];
    if (stages.length === 0) continue;
    const m = out.get(r.secret_arn) ?? {};
    m[r.version_id] = stages;
    out.set(r.secret_arn, m);
  }
  return out;
}

export async function insertSecretVersion(db: Kysely<Database>, v: SecretVersionRecord): Promise<void> {
  await db
    .insertInto('secret_versions')
    .values({
      secret_arn: v.secretArn,
      version_id: v.versionId,
      seq: v.seq,
      stages: JSON.stringify(v.stages),
      kind: v.kind,
      ciphertext: v.ciphertext,
      created_at: v.createdAt,
      accessed_at: v.accessedAt ?? null,
    })
    .execute();
}

/** Writes new labels for versions (a map from the pure rules in core/secrets/version-stages.ts). */
export async function setVersionStages(
  db: Kysely<Database>,
  arn: string,
  stagesById: ReadonlyMap<string, readonly string[]>,
): Promise<void> {
  for (const [versionId, stages] of stagesById) {
    await db
      .updateTable('secret_versions')
      .set({ stages: JSON.stringify(stages) })
      .where('secret_arn', '=', arn)
      .where('version_id', '=', versionId)
      .execute();
  }
}

export async function deleteSecretVersions(
  db: Kysely<Database>,
  arn: string,
  versionIds: readonly string[],
): Promise<void> {
  if (versionIds.length === 0) return;
  await db
    .deleteFrom('secret_versions')
    .where('secret_arn', '=', arn)
    .where('version_id', 'in', versionIds)
    .execute();
}

/** Records the day a version was read, when that day is new (LastAccessedDate has a day's resolution). */
export async function markSecretAccessed(
  db: Kysely<Database>,
  arn: string,
  versionId: string,
  day: number,
): Promise<void> {
  await db
    .updateTable('secrets')
    .set({ accessed_at: day })
    .where('arn', '=', arn)
    .where((eb) => eb.or([eb('accessed_at', 'is', null), eb('accessed_at', '<', day)]))
    .execute();
  await db
    .updateTable('secret_versions')
    .set({ accessed_at: day })
    .where('secret_arn', '=', arn)
    .where('version_id', '=', versionId)
    .where((eb) => eb.or([eb('accessed_at', 'is', null), eb('accessed_at', '<', day)]))
    .execute();
}

/** Removes a secret for good: its versions, tags and row. */
export async function removeSecret(db: Kysely<Database>, arn: string): Promise<void> {
  await db.deleteFrom('secret_versions').where('secret_arn', '=', arn).execute();
  await deleteTags(db, arn);
  await db.deleteFrom('secrets').where('arn', '=', arn).execute();
}

/** Removes the deleted secrets whose recovery window ended by `now`; returns how many. */
export async function purgeDeletedSecrets(db: Kysely<Database>, now: number): Promise<number> {
  const due = await db.selectFrom('secrets').select('arn').where('purge_at', '<=', now).execute();
  for (const { arn } of due) await removeSecret(db, arn);
  return due.length;
}
