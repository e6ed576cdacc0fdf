import type { ContainerSpec, TaskSpec } from '../agent/host-agent.ts';
import { effectiveContainers } from '../core/ecs/container-overrides.ts';
import type { TaskPlan } from '../core/ecs/task.ts';
import type { ContainerDef } from '../core/ecs/task-definition.ts';
import type { Scope } from '../core/scope.ts';
import { shipsLog } from './log-destination.ts';

/** ECS's defaults for health checks, in seconds. */
const HEALTH_DEFAULTS = { interval: 30, timeout: 5, retries: 3, startPeriod: 0 };

/** What the host needs to prepare a task. */
export function taskSpec(scope: Scope, taskId: string, plan: TaskPlan): TaskSpec {
  const n = plan.network;
  return {
    taskId,
    cpuUnits: plan.cpuUnits,
    memoryMiB: plan.memoryMiB,
    network: {
      vpcId: n.vpcId,
      vpcCidr: n.vpcCidr,
      subnetId: n.subnetId,
      subnetCidr: n.subnetCidr,
      eniId: n.eniId,
      ipv4: n.ipv4,
      mac: n.mac,
      assignPublicIp: n.assignPublicIp,
      hostname: n.privateDnsName,
    },
    volumes: (plan.taskDefinition.volumes ?? [])
      .filter((v) => v.name && !v.efsVolumeConfiguration)
      .map((v) => v.name!),
    containers: effectiveContainers(plan.taskDefinition, plan.overrides).map((c) =>
      containerSpec(scope, taskId, c, plan),
    ),
  };
}

/**
 * What the host needs to run one container, with the variables Fargate sets in every container
 * (the agent adds those of its metadata endpoint): the region, the execution environment, and
 * where the task role's credentials are, for a task with a role.
 */
export function containerSpec(
  scope: Scope,
  taskId: string,
  c: ContainerDef,
  plan: Pick<TaskPlan, 'credentialsId'>,
): ContainerSpec {
  const environment: Record<string, string> = {};
  for (const e of c.environment ?? []) if (e.name) environment[e.name] = e.value ?? '';
  Object.assign(environment, {
    AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
    AWS_REGION: scope.region,
    AWS_DEFAULT_REGION: scope.region,
    ...(plan.credentialsId !== undefined && {
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${plan.credentialsId}`,
    }),
  });
  const hc = c.healthCheck;
  const lp = c.linuxParameters;
  return {
    taskId,
    name: c.name!,
    image: c.image!,
    ...(c.entryPoint && { entryPoint: c.entryPoint }),
    ...(c.command && { command: c.command }),
    environment,
    ...(c.workingDirectory !== undefined && { workingDirectory: c.workingDirectory }),
    ...(c.user !== undefined && { user: c.user }),
    ...(c.readonlyRootFilesystem !== undefined && { readonlyRootFilesystem: c.readonlyRootFilesystem }),
    ...(c.memory !== undefined && { memoryMiB: c.memory }),
    ...(c.memoryReservation !== undefined && { memoryReservationMiB: c.memoryReservation }),
    ...(c.cpu !== undefined && { cpuUnits: c.cpu }),
    ...(c.ulimits && {
      ulimits: c.ulimits.map((u) => ({ name: u.name!, softLimit: u.softLimit!, hardLimit: u.hardLimit! })),
    }),
    ...(lp?.capabilities && {
      capabilities: {
        ...(lp.capabilities.add && { add: lp.capabilities.add }),
        ...(lp.capabilities.drop && { drop: lp.capabilities.drop }),
      },
    }),
    ...(lp?.initProcessEnabled !== undefined && { initProcessEnabled: lp.initProcessEnabled }),
    ...(c.systemControls?.length && {
      systemControls: c.systemControls.map((s) => ({ namespace: s.namespace!, value: s.value! })),
    }),
    ...(c.dockerLabels && { dockerLabels: c.dockerLabels }),
    ...(c.mountPoints?.length && {
      mountPoints: c.mountPoints.map((m) => ({
        sourceVolume: m.sourceVolume!,
        containerPath: m.containerPath!,
        ...(m.readOnly !== undefined && { readOnly: m.readOnly }),
      })),
    }),
    ...(hc?.command &&
      hc.command[0] !== 'NONE' && {
        healthCheck: {
          command: hc.command,
          intervalMs: (hc.interval ?? HEALTH_DEFAULTS.interval) * 1000,
          timeoutMs: (hc.timeout ?? HEALTH_DEFAULTS.timeout) * 1000,
          retries: hc.retries ?? HEALTH_DEFAULTS.retries,
          startPeriodMs: (hc.startPeriod ?? HEALTH_DEFAULTS.startPeriod) * 1000,
        },
      }),
    ...(shipsLog(c) && { logShipped: true }),
  };
}

/** Fargate gives a container 30 s after the stop signal unless its definition says otherwise (at most 120 s). */
export const stopTimeoutMs = (c: ContainerDef): number => Math.min(c.stopTimeout ?? 30, 120) * 1000;

/** How long a container may wait for its dependencies before ECS gives up on it. */
export const startTimeoutMs = (c: ContainerDef): number => (c.startTimeout ?? 180) * 1000;
