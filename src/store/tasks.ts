import type { Kysely } from 'kysely';
import type { Task, TaskPlan, TaskRecord } from '../core/ecs/task.ts';
import type { TaskStatus } from '../core/ecs/task-status.ts';
import type { Scope } from '../core/scope.ts';
import type { Database, TaskRow } from './schema.ts';

/** A task with the scope it lives in, as the reconcilers (which serve every scope) see it. */
export interface ScopedTask extends TaskRecord {
  scope: Scope;
}

const toRecord = (r: TaskRow): ScopedTask => ({
  scope: { account: r.account, region: r.region },
  id: r.id,
  cluster: r.cluster,
  family: r.family,
  revision: r.revision,
  lastStatus: r.last_status as TaskStatus,
  desiredStatus: r.desired_status as TaskRecord['desiredStatus'],
  startedBy: r.started_by ?? undefined,
  group: r.group_name,
  serviceName: r.service_name ?? undefined,
  launchType: r.launch_type,
  host: r.host,
  createdAt: r.created_at,
  stoppedAt: r.stopped_at ?? undefined,
  version: r.version,
  doc: JSON.parse(r.doc) as Task,
  plan: JSON.parse(r.plan) as TaskPlan,
});

const toRow = (scope: Scope, t: TaskRecord): TaskRow => ({
  id: t.id,
  account: scope.account,
  region: scope.region,
  cluster: t.cluster,
  family: t.family,
  revision: t.revision,
  last_status: t.lastStatus,
  desired_status: t.desiredStatus,
  started_by: t.startedBy ?? null,
  group_name: t.group,
  service_name: t.serviceName ?? null,
  launch_type: t.launchType,
  host: t.host,
  cpu_units: t.plan.cpuUnits,
  memory_mib: t.plan.memoryMiB,
  created_at: t.createdAt,
  stopped_at: t.stoppedAt ?? null,
  version: t.version,
  doc: JSON.stringify(t.doc),
  plan: JSON.stringify(t.plan),
});

export async function insertTask(db: Kysely<Database>, scope: Scope, t: TaskRecord): Promise<void> {
  await db.insertInto('tasks').values(toRow(scope, t)).execute();
}

export async function getTask(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
): Promise<ScopedTask | undefined> {
  const row = await db
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', id)
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .executeTakeFirst();
  return row && toRecord(row);
}

/**
 * Writes a changed task if nobody changed it since it was read (its version is still
 * `t.version`), and returns it with its version bumped; undefined when someone else got there first.
 */
export async function updateTask<T extends TaskRecord>(
  db: Kysely<Database>,
  scope: Scope,
  t: T,
): Promise<T | undefined> {
  const next: T = { ...t, version: t.version + 1, doc: { ...t.doc, version: t.version + 1 } };
  const { id, ...rest } = toRow(scope, next);
  const res = await db
    .updateTable('tasks')
    .set(rest)
    .where('id', '=', id)
    .where('version', '=', t.version)
    .executeTakeFirst();
  return res.numUpdatedRows === 1n ? next : undefined;
}

export interface TaskFilter {
  cluster: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  family?: string | undefined;
  startedBy?: string | undefined;
  serviceName?: string | undefined;
  launchType?: string | undefined;
}

export type TaskPosition = { createdAt: number; id: string };

/** Tasks of a cluster, oldest first, for ListTasks. */
export async function listTaskKeys(
  db: Kysely<Database>,
  scope: Scope,
  f: TaskFilter,
  page: { after?: TaskPosition | undefined; limit: number },
): Promise<TaskPosition[]> {
  let q = db
    .selectFrom('tasks')
    .select(['created_at', 'id'])
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', f.cluster)
    .where('desired_status', '=', f.desiredStatus);
  if (f.family !== undefined) q = q.where('family', '=', f.family);
  if (f.startedBy !== undefined) q = q.where('started_by', '=', f.startedBy);
  if (f.serviceName !== undefined) q = q.where('service_name', '=', f.serviceName);
  if (f.launchType !== undefined) q = q.where('launch_type', '=', f.launchType);
  const after = page.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('created_at').orderBy('id').limit(page.limit).execute();
  return rows.map((r) => ({ createdAt: r.created_at, id: r.id }));
}

/** Every task a host must look after: all that are not STOPPED. */
export async function activeTasksOnHost(db: Kysely<Database>, host: string): Promise<ScopedTask[]> {
  const rows = await db
    .selectFrom('tasks')
    .selectAll()
    .where('host', '=', host)
    .where('last_status', '!=', 'STOPPED')
    .execute();
  return rows.map(toRecord);
}

/** The task not yet STOPPED on a host whose ENI holds `ipv4` (VPCs on one host never overlap). */
export async function activeTaskByAddress(
  db: Kysely<Database>,
  host: string,
  ipv4: string,
): Promise<ScopedTask | undefined> {
  const row = await db
    .selectFrom('network_interfaces')
    .innerJoin('tasks', 'tasks.id', 'network_interfaces.task_id')
    .selectAll('tasks')
    .where('network_interfaces.ipv4', '=', ipv4)
    .where('tasks.host', '=', host)
    .where('tasks.last_status', '!=', 'STOPPED')
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function getTaskById(db: Kysely<Database>, id: string): Promise<ScopedTask | undefined> {
  const row = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

/** The cpu units and MiB that tasks not yet STOPPED hold on a host. */
export async function reservedOnHost(
  db: Kysely<Database>,
  host: string,
): Promise<{ cpuUnits: number; memoryMiB: number }> {
  const r = await db
    .selectFrom('tasks')
    .select((eb) => [eb.fn.sum<number>('cpu_units').as('cpu'), eb.fn.sum<number>('memory_mib').as('mem')])
    .where('host', '=', host)
    .where('last_status', '!=', 'STOPPED')
    .executeTakeFirstOrThrow();
  return { cpuUnits: Number(r.cpu ?? 0), memoryMiB: Number(r.mem ?? 0) };
}

/** What counting a service's tasks needs of each, and a look at it to choose which ones to read in full. */
export interface TaskKey {
  id: string;
  startedBy: string | undefined;
  lastStatus: TaskStatus;
  desiredStatus: TaskRecord['desiredStatus'];
}

/**
 * The tasks of a service not yet STOPPED, and those that stopped since `stoppedSince` when given,
 * oldest first, without their documents: what counting them takes (DescribeServices, polled by
 * `aws ecs wait services-stable`), and what a look at a service scaling in, with dozens of tasks
 * on their way out and hundreds stopped, needs to choose the few it reads in full.
 */
export async function taskKeysOfService(
  db: Kysely<Database>,
  scope: Scope,
  cluster: string,
  service: string,
  stoppedSince?: number,
): Promise<TaskKey[]> {
  const rows = await db
    .selectFrom('tasks')
    .select(['id', 'started_by', 'last_status', 'desired_status'])
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', cluster)
    .where('service_name', '=', service)
    .where((eb) =>
      stoppedSince === undefined
        ? eb('last_status', '!=', 'STOPPED')
        : eb.or([eb('last_status', '!=', 'STOPPED'), eb('stopped_at', '>=', stoppedSince)]),
    )
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    startedBy: r.started_by ?? undefined,
    lastStatus: r.last_status as TaskStatus,
    desiredStatus: r.desired_status as TaskRecord['desiredStatus'],
  }));
}

/** The tasks of a scope with these ids, oldest first; ids not found are left out. */
export async function getTasks(
  db: Kysely<Database>,
  scope: Scope,
  ids: readonly string[],
): Promise<ScopedTask[]> {
  const found: ScopedTask[] = [];
  // A few hundred at a time: SQLite limits the parameters of one statement.
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('tasks')
      .selectAll()
      .where('id', 'in', ids.slice(i, i + 500))
      .where('account', '=', scope.account)
      .where('region', '=', scope.region)
      .execute();
    found.push(...rows.map(toRecord));
  }
  return found.sort((a, b) => a.createdAt - b.createdAt);
}
