import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

/** ECS shows the latest 100 events of a service. */
export const EVENTS_KEPT = 100;

export async function addServiceEvent(
  db: Kysely<Database>,
  e: { id: string; scope: Scope; cluster: string; service: string; message: string; createdAt: number },
): Promise<void> {
  await db
    .insertInto('service_events')
    .values({
      id: e.id,
      account: e.scope.account,
      region: e.scope.region,
      cluster: e.cluster,
      service: e.service,
      message: e.message,
      created_at: e.createdAt,
    })
    .execute();
}

/** The newest events first, as DescribeServices lists them. */
export async function serviceEvents(db: Kysely<Database>, scope: Scope, cluster: string, service: string) {
  return db
    .selectFrom('service_events')
    .select(['id', 'message', 'created_at'])
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', cluster)
    .where('service', '=', service)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(EVENTS_KEPT)
    .execute();
}
