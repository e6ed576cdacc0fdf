import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

export interface StoredSetting {
  name: string;
  value: string;
  /** '' for the account default. */
  principalArn: string;
}

export async function listSettings(
  db: Kysely<Database>,
  scope: Scope,
  principalArns: readonly string[],
): Promise<StoredSetting[]> {
  if (principalArns.length === 0) return [];
  const rows = await db
    .selectFrom('account_settings')
    .select(['name', 'value', 'principal_arn'])
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('principal_arn', 'in', principalArns)
    .orderBy('name')
    .orderBy('principal_arn')
    .execute();
  return rows.map((r) => ({ name: r.name, value: r.value, principalArn: r.principal_arn }));
}

export async function putSetting(db: Kysely<Database>, scope: Scope, s: StoredSetting): Promise<void> {
  await db
    .insertInto('account_settings')
    .values({
      account: scope.account,
      region: scope.region,
      principal_arn: s.principalArn,
      name: s.name,
      value: s.value,
    })
    .onConflict((oc) =>
      oc.columns(['account', 'region', 'principal_arn', 'name']).doUpdateSet({ value: s.value }),
    )
    .execute();
}

export async function deleteSetting(db: Kysely<Database>, scope: Scope, principalArn: string, name: string) {
  await db
    .deleteFrom('account_settings')
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('principal_arn', '=', principalArn)
    .where('name', '=', name)
    .execute();
}
