import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

export async function putServiceRevision(
  db: Kysely<Database>,
  r: { arn: string; scope: Scope; cluster: string; service: string; doc: object; createdAt: number },
): Promise<void> {
  await db
    .insertInto('service_revisions')
    .values({
      arn: r.arn,
      account: r.scope.account,
      region: r.scope.region,
      cluster: r.cluster,
      service: r.service,
      doc: JSON.stringify(r.doc),
      created_at: r.createdAt,
    })
    .execute();
}

export async function getServiceRevision(db: Kysely<Database>, arn: string): Promise<object | undefined> {
  const r = await db.selectFrom('service_revisions').select('doc').where('arn', '=', arn).executeTakeFirst();
  return r && (JSON.parse(r.doc) as object);
}

/** How many revisions a service has had, for the next revision's number. */
export async function countServiceRevisions(
  db: Kysely<Database>,
  scope: Scope,
  cluster: string,
  service: string,
) {
  const r = await db
    .selectFrom('service_revisions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', cluster)
    .where('service', '=', service)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
