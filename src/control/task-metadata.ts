import type {
  RoleCredentials,
  TaskMetadata,
  TaskMetadataSource,
} from '../agent/metadata/task-metadata-source.ts';
import { effectiveContainers } from '../core/ecs/container-overrides.ts';
import { taskArn } from '../core/ecs/ecs-arn.ts';
import type { Task } from '../core/ecs/task.ts';
import { getTags } from '../store/tags.ts';
import { activeTaskByAddress, type ScopedTask } from '../store/tasks.ts';
import { type CredentialsDeps, currentTaskCredentials } from './task-credentials.ts';

export interface TaskMetadataOptions extends CredentialsDeps {
  /** The host whose tasks are asked about. */
  hostId: string;
}

/**
 * The control plane's side of the task metadata endpoint: tasks as the store has them (what
 * DescribeTasks returns, and the task's plan), and their role credentials.
 */
export class StoreTaskMetadata implements TaskMetadataSource {
  constructor(private readonly o: TaskMetadataOptions) {}

  async taskByAddress(ipv4: string): Promise<TaskMetadata | undefined> {
    const t = await activeTaskByAddress(this.o.store.db, this.o.hostId, ipv4);
    if (!t) return undefined;
    const tags = await getTags(this.o.store.db, taskArn(t.scope, t.cluster, t.id));
    return taskMetadata(t, Object.fromEntries(tags.map((tag) => [tag.key, tag.value])));
  }

  async roleCredentials(ipv4: string, credentialsId: string): Promise<RoleCredentials | undefined> {
    const t = await activeTaskByAddress(this.o.store.db, this.o.hostId, ipv4);
    if (!t || t.plan.credentialsId !== credentialsId) return undefined;
    const c = await currentTaskCredentials(this.o, t);
    return (
      c && {
        roleArn: c.roleArn,
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiresAtMs: c.expiresAt,
      }
    );
  }
}

/** What the metadata endpoint tells of a task, from its record. */
export function taskMetadata(t: ScopedTask, tags: Record<string, string>): TaskMetadata {
  const doc: Task = t.doc;
  const defs = effectiveContainers(t.plan.taskDefinition, t.plan.overrides);
  // The doc keeps awsJson's epoch seconds.
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);
  const pullStarted = ms(doc.pullStartedAt);
  const pullStopped = ms(doc.pullStoppedAt);
  const executionStopped = ms(doc.executionStoppedAt);
  return {
    taskId: t.id,
    taskArn: doc.taskArn!,
    clusterArn: doc.clusterArn!,
    family: t.family,
    revision: t.revision,
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    cpuUnits: t.plan.cpuUnits,
    memoryMiB: t.plan.memoryMiB,
    ...(pullStarted !== undefined && { pullStartedAtMs: pullStarted }),
    ...(pullStopped !== undefined && { pullStoppedAtMs: pullStopped }),
    ...(executionStopped !== undefined && { executionStoppedAtMs: executionStopped }),
    availabilityZone: t.plan.network.availabilityZone,
    launchType: t.launchType,
    ...(t.serviceName !== undefined && { serviceName: t.serviceName }),
    ephemeralStorageGiB: doc.ephemeralStorage?.sizeInGiB ?? 20,
    tags,
    network: {
      ipv4: t.plan.network.ipv4,
      macAddress: t.plan.network.mac,
      subnetCidr: t.plan.network.subnetCidr,
      privateDnsName: t.plan.network.privateDnsName,
    },
    containers: defs.map((def) => {
      const c = doc.containers?.find((x) => x.name === def.name);
      const log = def.logConfiguration;
      const hasHealthCheck = def.healthCheck?.command !== undefined && def.healthCheck.command[0] !== 'NONE';
      return {
        name: def.name!,
        containerArn: c?.containerArn ?? '',
        image: def.image!,
        ...(c?.imageDigest !== undefined && { imageDigest: c.imageDigest }),
        lastStatus: c?.lastStatus ?? 'PENDING',
        ...(c?.exitCode !== undefined && { exitCode: c.exitCode }),
        cpuUnits: def.cpu ?? 0,
        ...(def.memory !== undefined && { memoryMiB: def.memory }),
        dockerLabels: { ...(def.dockerLabels ?? {}) },
        ...(log?.logDriver !== undefined && { logDriver: log.logDriver }),
        ...(log?.options !== undefined && { logOptions: { ...log.options } }),
        ports: (def.portMappings ?? [])
          .filter((p) => p.containerPort !== undefined)
          .map((p) => ({ containerPort: p.containerPort!, protocol: p.protocol ?? 'tcp' })),
        ...(hasHealthCheck && { healthStatus: c?.healthStatus ?? 'UNKNOWN' }),
      };
    }),
  };
}
