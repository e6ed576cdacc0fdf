import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

/** What runs in a cluster, for the counts and statistics DescribeClusters reports. */
export interface ClusterActivity {
  runningTasks: number;
  pendingTasks: number;
  activeServices: number;
  drainingServices: number;
}

export async function clusterActivity(
  _db: Kysely<Database>,
  _scope: Scope,
  _cluster: string,
): Promise<ClusterActivity> {
  // Tasks and services are counted here once their tables exist.
  return { runningTasks: 0, pendingTasks: 0, activeServices: 0, drainingServices: 0 };
}
