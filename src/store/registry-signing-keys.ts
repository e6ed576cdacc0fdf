import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export async function getSigningKey(db: Kysely<Database>, account: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('registry_signing_keys')
    .select('secret')
    .where('account', '=', account)
    .executeTakeFirst();
  return row?.secret;
}

/** The account's key: `fresh` stored if it has none yet, else the one it has. */
export async function ensureSigningKey(
  db: Kysely<Database>,
  account: string,
  fresh: string,
  now: number,
): Promise<string> {
  await db
    .insertInto('registry_signing_keys')
    .values({ account, secret: fresh, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return (await getSigningKey(db, account)) ?? fresh;
}
