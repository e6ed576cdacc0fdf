import { formatIpv4, gatewayAddress, parseCidr } from '../../core/cidr.ts';
import type { ContainerMetadata, TaskMetadata } from './task-metadata-source.ts';

/**
 * The task metadata endpoint's JSON, shaped as the ECS agent shapes it on Fargate (field names
 * and order from its v2/v3/v4 response types). Pure: the control plane's view of the task and
 * what the host knows of its containers in, the response out.
 */

export type MetadataVersion = 'v3' | 'v4';

/** What only the host knows of a container. */
export interface ContainerFacts {
  /** The runtime id, which is also Fargate's DockerId. */
  runtimeId: string;
  /** What the runtime says now, which is ahead of what the control plane has recorded yet. */
  status: 'created' | 'running' | 'stopped' | 'missing';
  exitCode?: number;
  createdAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  /** `sha256:` digest of the image config, as `docker images` shows an image id. */
  imageId?: string;
}

/** What only the host knows of the task. */
export interface TaskFacts {
  /** By container name. */
  containers: ReadonlyMap<string, ContainerFacts>;
  /** From the task's resolv.conf. */
  dnsServers: readonly string[];
  dnsSearchList: readonly string[];
  /** Disk use of the containers' writable layers and the task's volumes. */
  ephemeralStorageUsedMiB?: number;
}

/** `${ECS_CONTAINER_METADATA_URI_V4}` (and v3): one container. */
export function containerResponse(
  version: MetadataVersion,
  task: TaskMetadata,
  container: ContainerMetadata,
  facts: TaskFacts,
): Record<string, unknown> {
  const f = facts.containers.get(container.name);
  const known = containerKnownStatus(container, f);
  const exited = known === 'STOPPED';
  const exitCode = f?.exitCode ?? container.exitCode;
  const out: Record<string, unknown> = {
    DockerId: f?.runtimeId ?? '',
    Name: container.name,
    DockerName: container.name,
    Image: container.image,
    ImageID: f?.imageId ?? '',
  };
  if (container.ports.length > 0) {
    out.Ports = container.ports.map((p) => ({
      ContainerPort: p.containerPort,
      Protocol: p.protocol,
      HostPort: p.containerPort,
    }));
  }
  out.Labels = {
    'com.amazonaws.ecs.cluster': task.clusterArn,
    'com.amazonaws.ecs.container-name': container.name,
    'com.amazonaws.ecs.task-arn': task.taskArn,
    'com.amazonaws.ecs.task-definition-family': task.family,
    'com.amazonaws.ecs.task-definition-version': String(task.revision),
    ...container.dockerLabels,
  };
  out.DesiredStatus = task.desiredStatus === 'STOPPED' || exited ? 'STOPPED' : 'RUNNING';
  out.KnownStatus = known;
  if (exited && exitCode !== undefined) out.ExitCode = exitCode;
  out.Limits = {
    CPU: container.cpuUnits,
    ...(container.memoryMiB !== undefined && { Memory: container.memoryMiB }),
  };
  if (f?.createdAt) out.CreatedAt = rfc3339(f.createdAt.getTime());
  if (f?.startedAt) out.StartedAt = rfc3339(f.startedAt.getTime());
  if (exited && f?.finishedAt) out.FinishedAt = rfc3339(f.finishedAt.getTime());
  out.Type = 'NORMAL';
  if (container.healthStatus !== undefined) out.Health = { status: container.healthStatus };
  if (version === 'v3') {
    out.Networks = [{ NetworkMode: 'awsvpc', IPv4Addresses: [task.network.ipv4] }];
    return out;
  }
  if (container.logDriver !== undefined) {
    out.LogDriver = container.logDriver;
    out.LogOptions = logOptions(task, container);
  }
  out.ContainerARN = container.containerArn;
  out.Networks = [networkResponse(task, facts)];
  out.Snapshotter = 'overlayfs';
  return out;
}

/** `${ECS_CONTAINER_METADATA_URI_V4}/task` (and v3, and v4's `/taskWithTags`). */
export function taskResponse(
  version: MetadataVersion,
  task: TaskMetadata,
  facts: TaskFacts,
  options: { withTags?: boolean } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Cluster: task.clusterArn,
    TaskARN: task.taskArn,
    Family: task.family,
    Revision: String(task.revision),
    DesiredStatus: task.desiredStatus,
    KnownStatus: taskKnownStatus(task, facts),
    Limits: { CPU: task.cpuUnits / 1024, Memory: task.memoryMiB },
  };
  if (task.pullStartedAtMs !== undefined) out.PullStartedAt = rfc3339(task.pullStartedAtMs);
  if (task.pullStoppedAtMs !== undefined) out.PullStoppedAt = rfc3339(task.pullStoppedAtMs);
  if (task.executionStoppedAtMs !== undefined) out.ExecutionStoppedAt = rfc3339(task.executionStoppedAtMs);
  out.AvailabilityZone = task.availabilityZone;
  if (options.withTags && Object.keys(task.tags).length > 0) out.TaskTags = task.tags;
  if (version === 'v4') {
    out.LaunchType = task.launchType;
    if (task.serviceName !== undefined) out.ServiceName = task.serviceName;
  }
  out.Containers = task.containers.map((c) => containerResponse(version, task, c, facts));
  if (version === 'v4' && facts.ephemeralStorageUsedMiB !== undefined) {
    out.EphemeralStorageMetrics = {
      Utilized: facts.ephemeralStorageUsedMiB,
      Reserved: task.ephemeralStorageGiB * 1024,
    };
  }
  return out;
}

/**
 * The agent's status of a task: NONE until its containers have started (the host knows that
 * before the control plane has recorded it), RUNNING while they may run, STOPPED once gone.
 */
export function taskKnownStatus(
  task: Pick<TaskMetadata, 'lastStatus' | 'containers'>,
  facts: TaskFacts,
): string {
  switch (task.lastStatus) {
    case 'PROVISIONING':
    case 'PENDING': {
      const started = task.containers.every((c) => {
        const status = facts.containers.get(c.name)?.status;
        return status === 'running' || status === 'stopped';
      });
      return started && task.containers.length > 0 ? 'RUNNING' : 'NONE';
    }
    case 'DEPROVISIONING':
    case 'STOPPED':
      return 'STOPPED';
    default:
      return 'RUNNING';
  }
}

/**
 * The agent's status of a container: the runtime's when it has the container (CREATED,
 * RUNNING, STOPPED), else the control plane's: PULLED once its image is here, or NONE.
 */
export function containerKnownStatus(
  c: Pick<ContainerMetadata, 'lastStatus' | 'imageDigest'>,
  f: Pick<ContainerFacts, 'status'> | undefined,
): string {
  if (f?.status === 'running') return 'RUNNING';
  if (f?.status === 'stopped') return 'STOPPED';
  if (c.lastStatus === 'RUNNING' || c.lastStatus === 'STOPPED') return c.lastStatus;
  if (f?.status === 'created') return 'CREATED';
  return c.imageDigest === undefined ? 'NONE' : 'PULLED';
}

function networkResponse(task: TaskMetadata, facts: TaskFacts): Record<string, unknown> {
  const n = task.network;
  const subnet = parseCidr(n.subnetCidr);
  const gateway = formatIpv4(gatewayAddress(subnet));
  return {
    NetworkMode: 'awsvpc',
    IPv4Addresses: [n.ipv4],
    AttachmentIndex: 0,
    MACAddress: n.macAddress,
    IPv4SubnetCIDRBlock: n.subnetCidr,
    ...(facts.dnsServers.length > 0 && { DomainNameServers: [...facts.dnsServers] }),
    ...(facts.dnsSearchList.length > 0 && { DomainNameSearchList: [...facts.dnsSearchList] }),
    PrivateDNSName: n.privateDnsName,
    SubnetGatewayIpv4Address: `${gateway}/${subnet.prefixLength}`,
  };
}

/**
 * The log options as the agent passes them on: awslogs' `awslogs-stream-prefix` becomes the
 * stream it names, `<prefix>/<container>/<task id>`.
 */
function logOptions(task: TaskMetadata, c: ContainerMetadata): Record<string, string> {
  const { 'awslogs-stream-prefix': prefix, ...rest } = c.logOptions ?? {};
  if (c.logDriver !== 'awslogs' || prefix === undefined) return { ...(c.logOptions ?? {}) };
  return { ...rest, 'awslogs-stream': `${prefix}/${c.name}/${task.taskId}` };
}

/** RFC 3339 in UTC as Go writes it (RFC3339Nano): the fraction without trailing zeros. */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}
