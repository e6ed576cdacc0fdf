import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

/** What runs in a cluster, for the counts and statistics DescribeClusters reports. */
export interface ClusterActivity {
  runningTasks: number;
  pendingTasks: number;
  /** Every task not yet STOPPED, stopping ones too. */
  activeTasks: number;
  activeServices: number;
  drainingServices: number;
}

/** ECS counts RUNNING tasks as running, and those still on their way up as pending. */
const PENDING = ['PROVISIONING', 'PENDING', 'ACTIVATING'];

export async function clusterActivity(
  db: Kysely<Database>,
  scope: Scope,
  cluster: string,
): Promise<ClusterActivity> {
  const rows = await db
    .selectFrom('tasks')
    .select((eb) => ['last_status', eb.fn.countAll<number>().as('n')])
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', cluster)
    .where('last_status', '!=', 'STOPPED')
    .groupBy('last_status')
    .execute();
  let runningTasks = 0;
  let pendingTasks = 0;
  let activeTasks = 0;
  for (const r of rows) {
    activeTasks += Number(r.n);
    if (r.last_status === 'RUNNING') runningTasks += Number(r.n);
    else if (PENDING.includes(r.last_status)) pendingTasks += Number(r.n);
  }
  const services = await db
    .selectFrom('services')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('cluster', '=', cluster)
    .where('status', '!=', 'INACTIVE')
    .groupBy('status')
    .execute();
  const count = (status: string) => Number(services.find((s) => s.status === status)?.n ?? 0);
  return {
    runningTasks,
    pendingTasks,
    activeTasks,
    activeServices: count('ACTIVE'),
    drainingServices: count('DRAINING'),
  };
}
