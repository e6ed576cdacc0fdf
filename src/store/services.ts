import type { Kysely } from 'kysely';
import type { DeploymentDoc, DeploymentStatus, SchedulerState, ServiceConfig } from '../core/ecs/service.ts';
import type { Scope } from '../core/scope.ts';
import type { Database, ServiceDeploymentRow, ServiceRow } from './schema.ts';

export type ServiceStatus = 'ACTIVE' | 'DRAINING' | 'INACTIVE';

export interface ServiceRecord {
  scope: Scope;
  cluster: string;
  name: string;
  status: ServiceStatus;
  config: ServiceConfig;
  state: SchedulerState;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface DeploymentRecord {
  id: string;
  scope: Scope;
  cluster: string;
  service: string;
  status: DeploymentStatus;
  doc: DeploymentDoc;
  createdAt: number;
  updatedAt: number;
}

const toService = (r: ServiceRow): ServiceRecord => ({
  scope: { account: r.account, region: r.region },
  cluster: r.cluster,
  name: r.name,
  status: r.status as ServiceStatus,
  config: JSON.parse(r.doc) as ServiceConfig,
  state: JSON.parse(r.state) as SchedulerState,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

const toDeployment = (r: ServiceDeploymentRow): DeploymentRecord => ({
  id: r.id,
  scope: { account: r.account, region: r.region },
  cluster: r.cluster,
  service: r.service,
  status: r.status as DeploymentStatus,
  doc: JSON.parse(r.doc) as DeploymentDoc,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function getService(db: Kysely<Database>, scope: Scope, cluster: string, name: string) {
  const r = await db
    .selectFrom('services')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', cluster)
    .where('name', '=', name)
    .executeTakeFirst();
  return r && toService(r);
}

export async function insertService(db: Kysely<Database>, s: ServiceRecord): Promise<void> {
  await db
    .insertInto('services')
    .values({
      account: s.scope.account,
      region: s.scope.region,
      cluster: s.cluster,
      name: s.name,
      status: s.status,
      doc: JSON.stringify(s.config),
      state: JSON.stringify(s.state),
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      version: s.version,
    })
    .execute();
}

/** Writes a service if its version is still `s.version`; returns it with the version bumped, or undefined. */
export async function updateService(
  db: Kysely<Database>,
  s: ServiceRecord,
): Promise<ServiceRecord | undefined> {
  const res = await db
    .updateTable('services')
    .set({
      status: s.status,
      doc: JSON.stringify(s.config),
      state: JSON.stringify(s.state),
      updated_at: s.updatedAt,
      version: s.version + 1,
    })
    .where('account', '=', s.scope.account)
    .where('region', '=', s.scope.region)
    .where('cluster', '=', s.cluster)
    .where('name', '=', s.name)
    .where('version', '=', s.version)
    .executeTakeFirst();
  return res.numUpdatedRows === 1n ? { ...s, version: s.version + 1 } : undefined;
}

/** Deletes a service that was ACTIVE before, so a new one of the same name starts afresh. */
export async function deleteServiceRows(db: Kysely<Database>, scope: Scope, cluster: string, name: string) {
  for (const table of ['services', 'service_deployments', 'service_events'] as const) {
    const column = table === 'services' ? 'name' : 'service';
    await db
      .deleteFrom(table)
      .where('account', '=', scope.account)
      .where('region', '=', scope.region)
      .where('cluster', '=', cluster)
      .where(column, '=', name)
      .execute();
  }
}

/** ACTIVE services of a cluster in name order (for ListServices, which hides draining ones). */
export async function listServiceNames(
  db: Kysely<Database>,
  scope: Scope,
  cluster: string,
  page: { after?: string | undefined; limit: number },
): Promise<string[]> {
  let q = db
    .selectFrom('services')
    .select('name')
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', cluster)
    .where('status', '=', 'ACTIVE');
  if (page.after !== undefined) q = q.where('name', '>', page.after);
  return (await q.orderBy('name').limit(page.limit).execute()).map((r) => r.name);
}

/** Every service the scheduler looks after: all not INACTIVE, in every account and region. */
export async function activeServices(db: Kysely<Database>): Promise<ServiceRecord[]> {
  return (await db.selectFrom('services').selectAll().where('status', '!=', 'INACTIVE').execute()).map(
    toService,
  );
}

export async function deploymentsOf(
  db: Kysely<Database>,
  scope: Scope,
  cluster: string,
  service: string,
  opts: { includeInactive?: boolean } = {},
): Promise<DeploymentRecord[]> {
  let q = db
    .selectFrom('service_deployments')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', cluster)
    .where('service', '=', service);
  if (!opts.includeInactive) q = q.where('status', '!=', 'INACTIVE');
  return (await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toDeployment);
}

export async function getDeployment(db: Kysely<Database>, id: string): Promise<DeploymentRecord | undefined> {
  const r = await db.selectFrom('service_deployments').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toDeployment(r);
}

export async function putDeployment(db: Kysely<Database>, d: DeploymentRecord): Promise<void> {
  const row: ServiceDeploymentRow = {
    id: d.id,
    account: d.scope.account,
    region: d.scope.region,
    cluster: d.cluster,
    service: d.service,
    status: d.status,
    doc: JSON.stringify(d.doc),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
  await db
    .insertInto('service_deployments')
    .values(row)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ status: row.status, doc: row.doc, updated_at: row.updated_at }),
    )
    .execute();
}
