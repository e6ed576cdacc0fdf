import type { Cluster } from '@aws-sdk/client-ecs';
import type { Kysely } from 'kysely';
import { clusterArn } from '../../core/ecs/ecs-arn.ts';
import type { Scope } from '../../core/scope.ts';
import type { Wire } from '../../core/wire.ts';
import { clusterActivity } from '../../store/cluster-activity.ts';
import type { ClusterRecord } from '../../store/clusters.ts';
import type { Database } from '../../store/schema.ts';
import { getTags } from '../../store/tags.ts';

export type ClusterField = 'ATTACHMENTS' | 'CONFIGURATIONS' | 'SETTINGS' | 'STATISTICS' | 'TAGS';

/** A cluster as ECS describes it, with the optional parts `include` asks for. */
export async function clusterView(
  db: Kysely<Database>,
  scope: Scope,
  c: ClusterRecord,
  include: readonly ClusterField[],
): Promise<Wire<Cluster>> {
  const arn = clusterArn(scope, c.name);
  const a = await clusterActivity(db, scope, c.name);
  const view: Wire<Cluster> = {
    clusterArn: arn,
    clusterName: c.name,
    ...(include.includes('CONFIGURATIONS') &&
      c.config.configuration && { configuration: c.config.configuration }),
    status: c.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount: a.runningTasks,
    pendingTasksCount: a.pendingTasks,
    activeServicesCount: a.activeServices,
    statistics: include.includes('STATISTICS')
      ? [
          { name: 'runningEC2TasksCount', value: '0' },
          { name: 'runningFargateTasksCount', value: String(a.runningTasks) },
          { name: 'pendingEC2TasksCount', value: '0' },
          { name: 'pendingFargateTasksCount', value: String(a.pendingTasks) },
          { name: 'activeEC2ServiceCount', value: '0' },
          { name: 'activeFargateServiceCount', value: String(a.activeServices) },
          { name: 'drainingEC2ServiceCount', value: '0' },
          { name: 'drainingFargateServiceCount', value: String(a.drainingServices) },
        ]
      : [],
    tags: include.includes('TAGS') ? await getTags(db, arn) : [],
    ...(include.includes('SETTINGS') && { settings: c.config.settings }),
    capacityProviders: c.config.capacityProviders,
    defaultCapacityProviderStrategy: c.config.defaultCapacityProviderStrategy,
    ...(include.includes('ATTACHMENTS') && { attachments: [] }),
    ...(c.config.serviceConnectDefaults && { serviceConnectDefaults: c.config.serviceConnectDefaults }),
  };
  return view;
}

/** The view CreateCluster, UpdateCluster and DeleteCluster answer with: settings and configuration included. */
export const fullClusterView = (db: Kysely<Database>, scope: Scope, c: ClusterRecord) =>
  clusterView(db, scope, c, ['SETTINGS', 'CONFIGURATIONS', 'TAGS']);
