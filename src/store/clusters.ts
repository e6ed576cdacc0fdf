import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

/** What a user configured on a cluster; counts and statistics are derived when described. */
export interface ClusterConfig {
  settings: { name: 'containerInsights'; value: string }[];
  capacityProviders: string[];
  defaultCapacityProviderStrategy: { capacityProvider: string; weight?: number; base?: number }[];
  configuration?: Record<string, unknown>;
  serviceConnectDefaults?: { namespace: string };
}

export interface ClusterRecord {
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  config: ClusterConfig;
  createdAt: number;
  updatedAt: number;
}

type Row = Database['clusters'];

const toRecord = (r: Row): ClusterRecord => ({
  name: r.name,
  status: r.status as ClusterRecord['status'],
  config: JSON.parse(r.doc) as ClusterConfig,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function getCluster(db: Kysely<Database>, scope: Scope, name: string) {
  const row = await db
    .selectFrom('clusters')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function putCluster(db: Kysely<Database>, scope: Scope, c: ClusterRecord): Promise<void> {
  const row: Row = {
    account: scope.account,
    region: scope.region,
    name: c.name,
    status: c.status,
    doc: JSON.stringify(c.config),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
  await db
    .insertInto('clusters')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['account', 'region', 'name']).doUpdateSet({
        status: row.status,
        doc: row.doc,
        created_at: row.created_at,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** ACTIVE clusters in name order, after the name `after`. */
export async function listClusters(
  db: Kysely<Database>,
  scope: Scope,
  page: { after?: string | undefined; limit: number },
): Promise<ClusterRecord[]> {
  let q = db
    .selectFrom('clusters')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('status', '=', 'ACTIVE');
  if (page.after !== undefined) q = q.where('name', '>', page.after);
  const rows = await q.orderBy('name').limit(page.limit).execute();
  return rows.map(toRecord);
}
