import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database, SsmParameterVersionRow } from './schema.ts';

/** One version of a Parameter Store parameter; its value stays encrypted until an operation needs it. */
export interface ParameterVersion {
  name: string;
  version: number;
  type: string;
  tier: string;
  dataType: string;
  keyId: string | undefined;
  description: string | undefined;
  allowedPattern: string | undefined;
  policies: string | undefined;
  ciphertext: string;
  modifiedAt: number;
  modifiedBy: string;
}

const toVersion = (r: SsmParameterVersionRow): ParameterVersion => ({
  name: r.name,
  version: r.version,
  type: r.type,
  tier: r.tier,
  dataType: r.data_type,
  keyId: r.key_id ?? undefined,
  description: r.description ?? undefined,
  allowedPattern: r.allowed_pattern ?? undefined,
  policies: r.policies ?? undefined,
  ciphertext: r.ciphertext,
  modifiedAt: r.modified_at,
  modifiedBy: r.modified_by,
});

/** The newest version of a parameter, or of the first of `names` that exists. */
export async function getParameter(
  db: Kysely<Database>,
  scope: Scope,
  names: readonly string[],
): Promise<ParameterVersion | undefined> {
  for (const name of names) {
    const row = await db
      .selectFrom('ssm_parameters as p')
      .innerJoin('ssm_parameter_versions as v', (j) =>
        j
          .onRef('v.account', '=', 'p.account')
          .onRef('v.region', '=', 'p.region')
          .onRef('v.name', '=', 'p.name')
          .onRef('v.version', '=', 'p.version'),
      )
      .selectAll('v')
      .where('p.account', '=', scope.account)
      .where('p.region', '=', scope.region)
      .where('p.name', '=', name)
      .executeTakeFirst();
    if (row) return toVersion(row);
  }
  return undefined;
}

/** Holds a parameter's row until the transaction ends, so its versions are numbered one after the other. */
export async function lockParameter(db: Kysely<Database>, scope: Scope, name: string): Promise<void> {
  await db
    .updateTable('ssm_parameters')
    .set((eb) => ({ version: eb.ref('version') }))
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .execute();
}

/** Every version of a parameter, oldest first. */
export async function getParameterVersions(
  db: Kysely<Database>,
  scope: Scope,
  name: string,
): Promise<ParameterVersion[]> {
  const rows = await db
    .selectFrom('ssm_parameter_versions')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .orderBy('version')
    .execute();
  return rows.map(toVersion);
}

/** The newest version of every parameter of an account in a region, in name order after `after`. */
export async function listParameters(
  db: Kysely<Database>,
  scope: Scope,
  opts: { after?: string | undefined; prefix?: string | undefined } = {},
): Promise<ParameterVersion[]> {
  let q = db
    .selectFrom('ssm_parameters as p')
    .innerJoin('ssm_parameter_versions as v', (j) =>
      j
        .onRef('v.account', '=', 'p.account')
        .onRef('v.region', '=', 'p.region')
        .onRef('v.name', '=', 'p.name')
        .onRef('v.version', '=', 'p.version'),
    )
    .selectAll('v')
    .where('p.account', '=', scope.account)
    .where('p.region', '=', scope.region);
  if (opts.after !== undefined) q = q.where('p.name', '>', opts.after);
  // Names sort bytewise, so a prefix is a range: no LIKE, whose escaping differs between dialects.
  if (opts.prefix) q = q.where('p.name', '>=', opts.prefix).where('p.name', '<', `${opts.prefix}\u{10ffff}`);
  return (await q.orderBy('p.name').execute()).map(toVersion);
}

/** Adds a version and makes it the parameter's newest. */
export async function putParameterVersion(
  db: Kysely<Database>,
  scope: Scope,
  v: ParameterVersion,
): Promise<void> {
  await db
    .insertInto('ssm_parameter_versions')
    .values({
      account: scope.account,
      region: scope.region,
      name: v.name,
      version: v.version,
      type: v.type,
      tier: v.tier,
      data_type: v.dataType,
      key_id: v.keyId ?? null,
      description: v.description ?? null,
      allowed_pattern: v.allowedPattern ?? null,
      policies: v.policies ?? null,
      ciphertext: v.ciphertext,
      modified_at: v.modifiedAt,
      modified_by: v.modifiedBy,
    })
    .execute();
  await db
    .insertInto('ssm_parameters')
    .values({ account: scope.account, region: scope.region, name: v.name, version: v.version })
    .onConflict((oc) => oc.columns(['account', 'region', 'name']).doUpdateSet({ version: v.version }))
    .execute();
}

/** Forgets versions older than `keepFrom` (a parameter keeps its last 100). */
export async function dropParameterVersionsBefore(
  db: Kysely<Database>,
  scope: Scope,
  name: string,
  keepFrom: number,
): Promise<void> {
  await db
    .deleteFrom('ssm_parameter_versions')
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .where('version', '<', keepFrom)
    .execute();
}

/** Deletes a parameter with all its versions; false when there was none. */
export async function deleteParameter(db: Kysely<Database>, scope: Scope, name: string): Promise<boolean> {
  const gone = await db
    .deleteFrom('ssm_parameters')
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .returning('name')
    .execute();
  await db
    .deleteFrom('ssm_parameter_versions')
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .execute();
  return gone.length > 0;
}
