import type { ServiceDeployment, ServiceDeploymentBrief } from '@aws-sdk/client-ecs';
import { clusterArn, serviceArn, serviceDeploymentArn } from '../../core/ecs/ecs-arn.ts';
import { circuitBreakerThreshold } from '../../core/ecs/rolling-update.ts';
import { PENDING_STATES } from '../../core/ecs/task-status.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import type { DeploymentRecord, ServiceRecord } from '../../store/services.ts';
import type { TaskKey } from '../../store/tasks.ts';

function revisionCounts(arn: string, d: DeploymentRecord, tasks: readonly TaskKey[], requested: number) {
  const mine = tasks.filter((t) => t.startedBy === d.id);
  return {
    arn,
    requestedTaskCount: requested,
    runningTaskCount: mine.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTaskCount: mine.filter((t) => PENDING_STATES.has(t.lastStatus)).length,
  };
}

export const deploymentArnOf = (d: DeploymentRecord) =>
  serviceDeploymentArn(d.scope, d.cluster, d.service, d.doc.serviceDeploymentId);

/** A deployment as DescribeServiceDeployments answers it. */
export function serviceDeploymentView(
  svc: ServiceRecord,
  d: DeploymentRecord,
  all: readonly DeploymentRecord[],
  tasks: readonly TaskKey[],
): Wire<ServiceDeployment> {
  const sources = all.filter(
    (x) => d.doc.sourceRevisionArns.includes(x.doc.serviceRevisionArn) && x.id !== d.id,
  );
  const breaker = d.doc.deploymentConfiguration.deploymentCircuitBreaker;
  return {
    serviceDeploymentArn: deploymentArnOf(d),
    serviceArn: serviceArn(svc.scope, svc.cluster, svc.name),
    clusterArn: clusterArn(svc.scope, svc.cluster),
    createdAt: epochSeconds(d.createdAt),
    startedAt: epochSeconds(d.createdAt),
    ...(d.doc.finishedAt !== undefined && { finishedAt: epochSeconds(d.doc.finishedAt) }),
    ...(d.doc.deploymentStatus === 'STOPPED' &&
      d.doc.finishedAt !== undefined && { stoppedAt: epochSeconds(d.doc.finishedAt) }),
    updatedAt: epochSeconds(d.updatedAt),
    sourceServiceRevisions: sources.map((x) => revisionCounts(x.doc.serviceRevisionArn, x, tasks, 0)),
    targetServiceRevision: revisionCounts(
      d.doc.serviceRevisionArn,
      d,
      tasks,
      d.status === 'PRIMARY' ? svc.config.desiredCount : 0,
    ),
    status: d.doc.deploymentStatus,
    ...(d.doc.statusReason && { statusReason: d.doc.statusReason }),
    deploymentConfiguration: d.doc.deploymentConfiguration,
    ...(d.doc.rollback && {
      rollback: {
        reason: d.doc.rollback.reason,
        startedAt: epochSeconds(d.doc.rollback.startedAt),
        serviceRevisionArn: d.doc.rollback.serviceRevisionArn,
      },
    }),
    deploymentCircuitBreaker: breaker.enable
      ? {
          status:
            d.doc.rolloutState === 'FAILED'
              ? 'TRIGGERED'
              : d.doc.rolloutState === 'COMPLETED'
                ? 'MONITORING_COMPLETE'
                : 'MONITORING',
          failureCount: d.doc.failedTasks,
          threshold: circuitBreakerThreshold(svc.config.desiredCount),
        }
      : { status: 'DISABLED', failureCount: 0, threshold: 0 },
  };
}

export function serviceDeploymentBrief(
  svc: ServiceRecord,
  d: DeploymentRecord,
): Wire<ServiceDeploymentBrief> {
  return {
    serviceDeploymentArn: deploymentArnOf(d),
    serviceArn: serviceArn(svc.scope, svc.cluster, svc.name),
    clusterArn: clusterArn(svc.scope, svc.cluster),
    startedAt: epochSeconds(d.createdAt),
    createdAt: epochSeconds(d.createdAt),
    ...(d.doc.finishedAt !== undefined && { finishedAt: epochSeconds(d.doc.finishedAt) }),
    targetServiceRevisionArn: d.doc.serviceRevisionArn,
    status: d.doc.deploymentStatus,
    ...(d.doc.statusReason && { statusReason: d.doc.statusReason }),
  };
}
