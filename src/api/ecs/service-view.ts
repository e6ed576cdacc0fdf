import type { Deployment, Service } from '@aws-sdk/client-ecs';
import type { Kysely } from 'kysely';
import { clusterArn, serviceArn, serviceDeploymentArn } from '../../core/ecs/ecs-arn.ts';
import { PENDING_STATES } from '../../core/ecs/task-status.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import type { Database } from '../../store/schema.ts';
import { serviceEvents } from '../../store/service-events.ts';
import { type DeploymentRecord, deploymentsOf, type ServiceRecord } from '../../store/services.ts';
import { getTags } from '../../store/tags.ts';
import { type TaskKey, taskKeysOfService } from '../../store/tasks.ts';

function counts(tasks: readonly Pick<TaskKey, 'lastStatus'>[]) {
  return {
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: tasks.filter((t) => PENDING_STATES.has(t.lastStatus)).length,
  };
}

/** A deployment as DescribeServices shows it; an older one's desired count is what it still runs. */
export function deploymentView(
  d: DeploymentRecord,
  tasks: readonly TaskKey[],
  serviceDesired: number,
): Wire<Deployment> {
  const mine = tasks.filter((t) => t.startedBy === d.id);
  const c = counts(mine);
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.doc.taskDefinition,
    desiredCount: d.status === 'PRIMARY' ? serviceDesired : c.runningCount + c.pendingCount,
    pendingCount: c.pendingCount,
    runningCount: c.runningCount,
    failedTasks: d.doc.failedTasks,
    createdAt: epochSeconds(d.createdAt),
    updatedAt: epochSeconds(d.updatedAt),
    ...(d.doc.launchType && { launchType: d.doc.launchType }),
    ...(d.doc.capacityProviderStrategy && { capacityProviderStrategy: d.doc.capacityProviderStrategy }),
    platformVersion: d.doc.platformVersion === 'LATEST' ? '1.4.0' : d.doc.platformVersion,
    platformFamily: 'Linux',
    networkConfiguration: d.doc.networkConfiguration,
    rolloutState: d.doc.rolloutState,
    rolloutStateReason: d.doc.rolloutStateReason,
  };
}

/** A service as DescribeServices answers it: counts, deployments and events derived from the store. */
export async function serviceView(
  db: Kysely<Database>,
  s: ServiceRecord,
  withTags: boolean,
): Promise<Wire<Service>> {
  const [deployments, tasks, events] = await Promise.all([
    s.status === 'INACTIVE' ? Promise.resolve([]) : deploymentsOf(db, s.scope, s.cluster, s.name),
    taskKeysOfService(db, s.scope, s.cluster, s.name),
    serviceEvents(db, s.scope, s.cluster, s.name),
  ]);
  const ordered = [...deployments].sort((a, b) =>
    a.status === 'PRIMARY' ? -1 : b.status === 'PRIMARY' ? 1 : 0,
  );
  const primary = ordered.find((d) => d.status === 'PRIMARY');
  const c = s.config;
  const arn = serviceArn(s.scope, s.cluster, s.name);
  return {
    serviceArn: arn,
    serviceName: s.name,
    clusterArn: clusterArn(s.scope, s.cluster),
    loadBalancers: c.loadBalancers,
    serviceRegistries: c.serviceRegistries,
    status: s.status,
    desiredCount: c.desiredCount,
    ...counts(tasks),
    ...(c.launchType && { launchType: c.launchType }),
    ...(c.capacityProviderStrategy && { capacityProviderStrategy: c.capacityProviderStrategy }),
    platformVersion: c.platformVersion,
    platformFamily: 'Linux',
    taskDefinition: c.taskDefinition,
    deploymentConfiguration: c.deploymentConfiguration,
    deployments: ordered.map((d) => deploymentView(d, tasks, c.desiredCount)),
    events: events.map((e) => ({ id: e.id, createdAt: epochSeconds(e.created_at), message: e.message })),
    createdAt: epochSeconds(s.createdAt),
    ...(primary && {
      currentServiceDeployment: serviceDeploymentArn(
        s.scope,
        s.cluster,
        s.name,
        primary.doc.serviceDeploymentId,
      ),
      currentServiceRevisions: ordered.map((d) => {
        const mine = counts(tasks.filter((t) => t.startedBy === d.id));
        return {
          arn: d.doc.serviceRevisionArn,
          requestedTaskCount: d.status === 'PRIMARY' ? c.desiredCount : mine.runningCount + mine.pendingCount,
          runningTaskCount: mine.runningCount,
          pendingTaskCount: mine.pendingCount,
        };
      }),
    }),
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: c.networkConfiguration,
    ...(c.healthCheckGracePeriodSeconds !== undefined && {
      healthCheckGracePeriodSeconds: c.healthCheckGracePeriodSeconds,
    }),
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'ECS' },
    createdBy: c.createdBy,
    enableECSManagedTags: c.enableECSManagedTags,
    propagateTags: c.propagateTags,
    enableExecuteCommand: c.enableExecuteCommand,
    availabilityZoneRebalancing: c.availabilityZoneRebalancing,
    ...(withTags && { tags: await getTags(db, arn) }),
  };
}
