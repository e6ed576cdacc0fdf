import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  account: string;
  principalArn: string;
}

export async function getAccessKey(
  db: Kysely<Database>,
  accessKeyId: string,
): Promise<AccessKey | undefined> {
  const r = await db
    .selectFrom('access_keys')
    .selectAll()
    .where('access_key_id', '=', accessKeyId)
    .executeTakeFirst();
  return (
    r && {
      accessKeyId: r.access_key_id,
      secretAccessKey: r.secret_access_key,
      account: r.account,
      principalArn: r.principal_arn,
    }
  );
}

export async function countAccessKeys(db: Kysely<Database>, account: string): Promise<number> {
  const r = await db
    .selectFrom('access_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account', '=', account)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Stores a key pair, replacing the secret when the key id exists. */
export async function putAccessKey(db: Kysely<Database>, k: AccessKey, createdAt: number): Promise<void> {
  await db
    .insertInto('access_keys')
    .values({
      access_key_id: k.accessKeyId,
      secret_access_key: k.secretAccessKey,
      account: k.account,
      principal_arn: k.principalArn,
      created_at: createdAt,
    })
    .onConflict((oc) =>
      oc
        .column('access_key_id')
        .doUpdateSet({ secret_access_key: k.secretAccessKey, principal_arn: k.principalArn }),
    )
    .execute();
}
