import type { Scope } from '../scope.ts';
import { epochSeconds } from '../wire.ts';
import { effectiveContainers } from './container-overrides.ts';
import { clusterArn, containerArn, taskArn } from './ecs-arn.ts';
import type { Task, TaskOverrides, TaskPlan } from './task.ts';

export interface NewTask {
  scope: Scope;
  cluster: string;
  id: string;
  plan: TaskPlan;
  startedBy: string | undefined;
  group: string;
  /** Set when a capacity provider strategy placed the task (not a launch type). */
  capacityProviderName: string | undefined;
  now: number;
  /** A container id per container name, for container ARNs. */
  containerIds: readonly string[];
}

/** The ENI attachment of a task, as DescribeTasks reports it. */
export function eniAttachment(plan: TaskPlan, status: 'PRECREATED' | 'ATTACHED' | 'DETACHED' | 'DELETED') {
  const n = plan.network;
  return {
    id: n.attachmentId,
    type: 'ElasticNetworkInterface',
    status,
    details: [
      { name: 'subnetId', value: n.subnetId },
      { name: 'networkInterfaceId', value: n.eniId },
      { name: 'macAddress', value: n.mac },
      { name: 'privateDnsName', value: n.privateDnsName },
      { name: 'privateIPv4Address', value: n.ipv4 },
    ],
  };
}

/** A new task as RunTask answers it: PROVISIONING, its containers PENDING. */
export function newTaskDoc(t: NewTask): Task {
  const arn = taskArn(t.scope, t.cluster, t.id);
  const { plan } = t;
  const containers = effectiveContainers(plan.taskDefinition, plan.overrides);
  const overrides: TaskOverrides = {
    ...plan.overrides,
    containerOverrides: containers.map(
      (c) => plan.overrides.containerOverrides?.find((o) => o.name === c.name) ?? { name: c.name },
    ),
    inferenceAcceleratorOverrides: plan.overrides.inferenceAcceleratorOverrides ?? [],
  };
  return {
    attachments: [eniAttachment(plan, 'PRECREATED')],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    availabilityZone: plan.network.availabilityZone,
    ...(t.capacityProviderName !== undefined && { capacityProviderName: t.capacityProviderName }),
    clusterArn: clusterArn(t.scope, t.cluster),
    containers: containers.map((c, i) => ({
      containerArn: containerArn(t.scope, t.cluster, t.id, t.containerIds[i]!),
      taskArn: arn,
      name: c.name!,
      image: c.image!,
      lastStatus: 'PENDING',
      networkInterfaces: [{ attachmentId: plan.network.attachmentId, privateIpv4Address: plan.network.ipv4 }],
      healthStatus: 'UNKNOWN',
      cpu: String(c.cpu ?? 0),
      ...(c.memory !== undefined && { memory: String(c.memory) }),
      ...(c.memoryReservation !== undefined && { memoryReservation: String(c.memoryReservation) }),
    })),
    cpu: String(plan.cpuUnits),
    createdAt: epochSeconds(t.now),
    desiredStatus: 'RUNNING',
    enableExecuteCommand: false,
    ephemeralStorage: { sizeInGiB: plan.taskDefinition.ephemeralStorage?.sizeInGiB ?? 20 },
    group: t.group,
    healthStatus: 'UNKNOWN',
    lastStatus: 'PROVISIONING',
    launchType: 'FARGATE',
    memory: String(plan.memoryMiB),
    overrides,
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    ...(t.startedBy !== undefined && { startedBy: t.startedBy }),
    taskArn: arn,
    taskDefinitionArn: plan.taskDefinition.taskDefinitionArn!,
    version: 1,
  };
}
