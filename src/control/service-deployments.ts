import type { Kysely } from 'kysely';
import { serviceRevisionArn } from '../core/ecs/ecs-arn.ts';
import type { ServiceConfig } from '../core/ecs/service.ts';
import type { TaskDefinition } from '../core/ecs/task-definition.ts';
import type { Ids } from '../core/ids.ts';
import type { Scope } from '../core/scope.ts';
import type { Database } from '../store/schema.ts';
import { putServiceRevision } from '../store/service-revisions.ts';
import { type DeploymentRecord, deploymentsOf, putDeployment } from '../store/services.ts';

export interface DeploymentContext {
  scope: Scope;
  now: number;
  ids: Ids;
}

/** A deployment id as ECS makes them: `ecs-svc/` and 19 digits. */
const deploymentId = (ids: Ids) =>
  `ecs-svc/${(BigInt(`0x${ids.hex(8)}`) % 9_000_000_000_000_000_000n) + 1_000_000_000_000_000_000n}`;
const revisionId = (ids: Ids) =>
  `${(BigInt(`0x${ids.hex(8)}`) % 9_000_000_000_000_000_000n) + 1_000_000_000_000_000_000n}`;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Starts a new primary deployment of a service from its configuration, with the service
 * revision it deploys; the former primary (and any other live deployment) becomes ACTIVE, to be
 * scaled in by the scheduler. Returns the new deployment.
 */
export async function startDeployment(
  tx: Kysely<Database>,
  dc: DeploymentContext,
  service: { cluster: string; name: string; config: ServiceConfig },
  td: TaskDefinition,
): Promise<DeploymentRecord> {
  const live = await deploymentsOf(tx, dc.scope, service.cluster, service.name);
  const c = service.config;
  const revisionArn = serviceRevisionArn(dc.scope, service.cluster, service.name, revisionId(dc.ids));
  await putServiceRevision(tx, {
    arn: revisionArn,
    scope: dc.scope,
    cluster: service.cluster,
    service: service.name,
    createdAt: dc.now,
    doc: {
      taskDefinition: c.taskDefinition,
      ...(c.launchType && { launchType: c.launchType }),
      ...(c.capacityProviderStrategy && { capacityProviderStrategy: c.capacityProviderStrategy }),
      platformVersion: c.platformVersion,
      platformFamily: 'Linux',
      loadBalancers: c.loadBalancers,
      serviceRegistries: c.serviceRegistries,
      networkConfiguration: c.networkConfiguration,
      containerImages: (td.containerDefinitions ?? []).map((cd) => ({
        containerName: cd.name,
        image: cd.image,
      })),
      guardDutyEnabled: false,
    },
  });
  for (const d of live) {
    if (d.status === 'PRIMARY') {
      await putDeployment(tx, {
        ...d,
        status: 'ACTIVE',
        updatedAt: dc.now,
        doc: {
          ...d.doc,
          ...(d.doc.rolloutState === 'IN_PROGRESS' && {
            deploymentStatus: 'STOPPED' as const,
            statusReason: 'A newer deployment replaced this one.',
            finishedAt: dc.now,
          }),
        },
      });
    }
  }
  const record: DeploymentRecord = {
    id: deploymentId(dc.ids),
    scope: dc.scope,
    cluster: service.cluster,
    service: service.name,
    status: 'PRIMARY',
    createdAt: dc.now,
    updatedAt: dc.now,
    doc: {
      serviceDeploymentId: dc.ids.chars(21, ALPHANUMERIC),
      taskDefinition: c.taskDefinition,
      ...(c.launchType && { launchType: c.launchType }),
      ...(c.capacityProviderStrategy && { capacityProviderStrategy: c.capacityProviderStrategy }),
      platformVersion: c.platformVersion,
      networkConfiguration: c.networkConfiguration,
      ...(c.loadBalancers.length > 0 && {
        loadBalancers: c.loadBalancers.map((lb) => ({
          targetGroupArn: lb.targetGroupArn!,
          containerName: lb.containerName!,
          containerPort: lb.containerPort!,
        })),
      }),
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: 'ECS deployment ecs-svc/pending in progress.',
      failedTasks: 0,
      countedTasks: [],
      serviceRevisionArn: revisionArn,
      deploymentStatus: 'IN_PROGRESS',
      sourceRevisionArns: live.map((d) => d.doc.serviceRevisionArn),
      deploymentConfiguration: c.deploymentConfiguration,
    },
  };
  record.doc.rolloutStateReason = `ECS deployment ${record.id} in progress.`;
  await putDeployment(tx, record);
  return record;
}
