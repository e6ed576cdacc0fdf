import { ecsError } from './ecs-errors.ts';
import { isFargateSize, parseCpuUnits, parseMemoryMiB } from './fargate-size.ts';
import { requiresAttributes } from './requires-attributes.ts';
import {
  type ContainerDef,
  NAME_PATTERN,
  type RegisterInput,
  type TaskDefinition,
} from './task-definition.ts';

/** ECS refuses a task definition whose JSON is larger than this. */
export const MAX_TASK_DEFINITION_BYTES = 65_536;
const MAX_CONTAINERS = 10;
const TROUBLESHOOTING =
  'For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.';

const fail = (message: string) => ecsError('ClientException', message);

/**
 * Checks a RegisterTaskDefinition input against ECS's rules (Fargate's among them) and
 * returns the task definition with the fields ECS fills in, except the ones that depend on
 * where and when it is registered (ARN, revision, registeredAt, registeredBy).
 */
export function normalizeTaskDefinition(
  input: RegisterInput,
): Omit<TaskDefinition, 'taskDefinitionArn' | 'revision' | 'registeredAt' | 'registeredBy'> {
  const size = new TextEncoder().encode(JSON.stringify(input)).length;
  if (size > MAX_TASK_DEFINITION_BYTES) {
    throw fail(`Actual length: '${size}'. Max allowed length is '${MAX_TASK_DEFINITION_BYTES}' bytes.`);
  }
  const family = input.family ?? '';
  if (family === '') throw fail('Family can not be blank.');
  if (!NAME_PATTERN.test(family)) throw fail('Family contains invalid characters.');
  if (input.tags && input.tags.length === 0) throw fail('Tags can not be empty.');

  const containers = input.containerDefinitions ?? [];
  if (containers.length === 0) throw fail('Container list cannot be empty.');
  if (containers.length > MAX_CONTAINERS) throw fail('Too many containers.');

  const compat = input.requiresCompatibilities ?? [];
  const fargate = compat.includes('FARGATE');
  const networkMode = input.networkMode;
  const cpuUnits = taskSize(input.cpu, 'cpu', parseCpuUnits);
  const memoryMiB = taskSize(input.memory, 'memory', parseMemoryMiB);

  if (fargate) {
    if (networkMode !== 'awsvpc') throw fail('Fargate only supports network mode \u2018awsvpc\u2019.');
    if (cpuUnits === undefined) throw fail("Fargate requires that 'cpu' be defined at the task level.");
    if (memoryMiB === undefined) throw fail("Fargate requires that 'memory' be defined at the task level.");
    if (!isFargateSize(cpuUnits, memoryMiB)) {
      throw fail(
        `No Fargate configuration exists for given values: ${cpuUnits} CPU, ${memoryMiB} memory. See the Amazon ECS documentation for the valid values.`,
      );
    }
    if (input.ipcMode) throw fail('Tasks using the Fargate launch type do not support ipcMode.');
    if (input.pidMode === 'host') {
      throw fail(
        "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'.",
      );
    }
    for (const v of input.volumes ?? []) {
      if (v.host?.sourcePath !== undefined)
        throw fail('host.sourcePath should not be set for volumes in Fargate.');
      if (v.dockerVolumeConfiguration) throw fail('Fargate does not support docker volume configuration.');
    }
    if (!input.executionRoleArn && containers.some((c) => c.logConfiguration?.logDriver === 'awslogs')) {
      throw fail(
        'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
      );
    }
    if (
      containers.some(
        (c) =>
          c.logConfiguration?.logDriver === 'awslogs' &&
          !c.logConfiguration.options?.['awslogs-stream-prefix'],
      )
    ) {
      throw fail(
        'Fargate requires log configuration options to include awslogs-stream-prefix to support log driver awslogs.',
      );
    }
  }
  const eph = input.ephemeralStorage?.sizeInGiB;
  if (eph !== undefined && (eph < 21 || eph > 200)) {
    throw fail('The ephemeral storage size must be between 21 GiB and 200 GiB.');
  }

  const normalized = containers.map((c) =>
    normalizeContainer(c, { networkMode, fargate, taskMemoryMiB: memoryMiB }),
  );
  checkNames(normalized);
  checkVolumes(normalized, input.volumes ?? []);
  checkResources(normalized, cpuUnits, memoryMiB);
  if (!normalized.some((c) => c.essential))
    throw fail("Task definition doesn't have any essential container.");
  checkDependencies(normalized);

  const fargateCompatible =
    networkMode === 'awsvpc' &&
    cpuUnits !== undefined &&
    memoryMiB !== undefined &&
    isFargateSize(cpuUnits, memoryMiB) &&
    !input.ipcMode &&
    input.pidMode !== 'host';

  const td: ReturnType<typeof normalizeTaskDefinition> = {
    containerDefinitions: normalized,
    family,
    ...(input.taskRoleArn !== undefined && { taskRoleArn: input.taskRoleArn }),
    ...(input.executionRoleArn !== undefined && { executionRoleArn: input.executionRoleArn }),
    ...(networkMode !== undefined && { networkMode }),
    volumes: input.volumes ?? [],
    status: 'ACTIVE',
    requiresAttributes: requiresAttributes(input, normalized),
    placementConstraints: input.placementConstraints ?? [],
    compatibilities: fargateCompatible ? ['EC2', 'FARGATE'] : ['EC2'],
    ...(input.runtimePlatform !== undefined && { runtimePlatform: input.runtimePlatform }),
    ...(input.requiresCompatibilities !== undefined && {
      requiresCompatibilities: input.requiresCompatibilities,
    }),
    ...(cpuUnits !== undefined && { cpu: String(cpuUnits) }),
    ...(memoryMiB !== undefined && { memory: String(memoryMiB) }),
    ...(input.pidMode !== undefined && { pidMode: input.pidMode }),
    ...(input.ipcMode !== undefined && { ipcMode: input.ipcMode }),
    ...(input.proxyConfiguration !== undefined && { proxyConfiguration: input.proxyConfiguration }),
    ...(input.inferenceAccelerators !== undefined && { inferenceAccelerators: input.inferenceAccelerators }),
    ...(input.ephemeralStorage !== undefined && { ephemeralStorage: input.ephemeralStorage }),
    ...(input.enableFaultInjection !== undefined && { enableFaultInjection: input.enableFaultInjection }),
  };
  return td;
}

function taskSize(
  text: string | undefined,
  what: 'cpu' | 'memory',
  parse: (t: string) => number | undefined,
) {
  if (text === undefined) return undefined;
  const n = parse(text);
  if (n === undefined)
    throw ecsError('ClientException', `Invalid '${what}' setting for task. ${TROUBLESHOOTING}`);
  return n;
}

interface ContainerRules {
  networkMode: string | undefined;
  fargate: boolean;
  taskMemoryMiB: number | undefined;
}

function normalizeContainer(c: ContainerDef, rules: ContainerRules): ContainerDef {
  if (!c.name) throw fail('Container.name should not be null or empty.');
  if (!NAME_PATTERN.test(c.name)) throw fail('Container.name contains invalid characters.');
  if (!c.image) throw fail('Container.image should not be null or empty.');
  const awsvpc = rules.networkMode === 'awsvpc';
  if (awsvpc && c.hostname !== undefined)
    throw fail('hostname is not supported on container when networkMode=awsvpc.');
  if (awsvpc && c.links?.length) throw fail('Links are not supported when networkMode=awsvpc.');
  if (rules.fargate && c.privileged) throw fail('Fargate does not support privileged mode.');
  if (rules.taskMemoryMiB === undefined && c.memory === undefined && c.memoryReservation === undefined) {
    throw fail(
      `Invalid setting for container '${c.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
    );
  }
  const portMappings = (c.portMappings ?? []).map((p) => {
    if (p.containerPort !== undefined && (p.containerPort < 1 || p.containerPort > 65_535)) {
      throw fail(`Invalid 'containerPort' setting for container '${c.name}'.`);
    }
    if (awsvpc && p.hostPort !== undefined && p.hostPort !== p.containerPort) {
      throw fail('When networkMode=awsvpc, the host ports and container ports in port mappings must match.');
    }
    return {
      ...p,
      ...(awsvpc && p.containerPort !== undefined && { hostPort: p.containerPort }),
      protocol: p.protocol ?? 'tcp',
    };
  });
  checkEnvironment(c);
  checkHealthCheck(c);
  checkLogConfiguration(c);
  if (rules.fargate) {
    const added = c.linuxParameters?.capabilities?.add ?? [];
    if (added.some((cap) => cap !== 'SYS_PTRACE')) {
      throw fail('Fargate only supports adding the SYS_PTRACE kernel capability.');
    }
  }
  return {
    ...c,
    cpu: c.cpu ?? 0,
    portMappings,
    essential: c.essential ?? true,
    environment: c.environment ?? [],
    mountPoints: c.mountPoints ?? [],
    volumesFrom: c.volumesFrom ?? [],
    systemControls: c.systemControls ?? [],
  };
}

function checkEnvironment(c: ContainerDef) {
  const envNames = new Set<string>();
  for (const e of c.environment ?? []) {
    if (!e.name) throw fail(`Environment variable name can not be blank in container '${c.name}'.`);
    envNames.add(e.name);
  }
  for (const s of c.secrets ?? []) {
    if (!s.name) throw fail(`Secret name can not be blank in container '${c.name}'.`);
    if (!s.valueFrom) throw fail(`Secret valueFrom can not be blank in container '${c.name}'.`);
    if (envNames.has(s.name)) {
      throw fail(
        `The secret name must be unique and not shared with any new or existing environment variables set on the container, such as '${s.name}'.`,
      );
    }
  }
}

/** Health check limits, in seconds (retries in attempts), as ECS documents them. */
const HEALTH_LIMITS = {
  interval: [5, 300],
  timeout: [2, 60],
  retries: [1, 10],
  startPeriod: [0, 300],
} as const;

function checkHealthCheck(c: ContainerDef) {
  const hc = c.healthCheck;
  if (!hc) return;
  const [kind] = hc.command ?? [];
  if (kind !== 'CMD' && kind !== 'CMD-SHELL' && kind !== 'NONE') {
    throw fail(
      `Invalid health check command for container '${c.name}'. The first element must be CMD, CMD-SHELL or NONE.`,
    );
  }
  if (kind !== 'NONE' && (hc.command?.length ?? 0) < 2) {
    throw fail(`Invalid health check command for container '${c.name}'. A command must follow ${kind}.`);
  }
  for (const [field, [min, max]] of Object.entries(HEALTH_LIMITS)) {
    const v = hc[field as keyof typeof HEALTH_LIMITS];
    if (v !== undefined && (v < min || v > max)) {
      throw fail(
        `Invalid '${field}' setting for health check of container '${c.name}'. Valid values are ${min} to ${max}.`,
      );
    }
  }
}

function checkLogConfiguration(c: ContainerDef) {
  const log = c.logConfiguration;
  if (log?.logDriver !== 'awslogs') return;
  const missing = ['awslogs-region', 'awslogs-group'].filter((o) => !log.options?.[o]);
  if (missing.length > 0) throw fail(`Log driver awslogs requires options: ${missing.join(', ')}`);
}

function checkNames(containers: readonly ContainerDef[]) {
  const seen = new Set<string>();
  for (const c of containers) {
    if (seen.has(c.name!)) throw fail('Container names must be unique within a Task Definition.');
    seen.add(c.name!);
  }
}

function checkVolumes(
  containers: readonly ContainerDef[],
  volumes: readonly { name?: string | undefined }[],
) {
  const declared = new Set(volumes.map((v) => v.name));
  const names = new Set(containers.map((c) => c.name));
  for (const c of containers) {
    for (const m of c.mountPoints ?? []) {
      if (!m.sourceVolume || !declared.has(m.sourceVolume)) {
        throw fail(
          `Invalid 'mountPoints' setting for container '${c.name}'. The volume '${m.sourceVolume}' is not defined in the task definition.`,
        );
      }
      if (!m.containerPath?.startsWith('/')) {
        throw fail(
          `Invalid 'mountPoints' setting for container '${c.name}'. The containerPath must be an absolute path.`,
        );
      }
    }
    for (const v of c.volumesFrom ?? []) {
      if (!v.sourceContainer || !names.has(v.sourceContainer)) {
        throw fail(
          `Invalid 'volumesFrom' setting for container '${c.name}'. The container '${v.sourceContainer}' is not defined in the task definition.`,
        );
      }
    }
  }
}

function checkResources(containers: readonly ContainerDef[], cpuUnits?: number, memoryMiB?: number) {
  if (cpuUnits !== undefined) {
    const total = containers.reduce((sum, c) => sum + (c.cpu ?? 0), 0);
    if (total > cpuUnits)
      throw fail("The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.");
  }
  for (const c of containers) {
    if (c.memory !== undefined && c.memoryReservation !== undefined && c.memoryReservation > c.memory) {
      throw fail(
        `Invalid setting for container '${c.name}'. 'memoryReservation' must be less than or equal to 'memory'.`,
      );
    }
    if (memoryMiB !== undefined && c.memory !== undefined && c.memory > memoryMiB) {
      throw fail(`The 'memory' setting for container '${c.name}' is greater than for the task.`);
    }
  }
  if (memoryMiB !== undefined) {
    const reserved = containers.reduce((sum, c) => sum + (c.memoryReservation ?? 0), 0);
    if (reserved > memoryMiB) {
      throw fail(
        "The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'.",
      );
    }
  }
}

function checkDependencies(containers: readonly ContainerDef[]) {
  const byName = new Map(containers.map((c) => [c.name!, c]));
  for (const c of containers) {
    for (const d of c.dependsOn ?? []) {
      const target = byName.get(d.containerName ?? '');
      // ECS's own message, including its stray ' + '.
      if (!target) throw fail(`Cannot depend on container + '${d.containerName}' because it does not exist`);
      if ((d.condition === 'COMPLETE' || d.condition === 'SUCCESS') && target.essential) {
        throw fail(
          'A dependency container with SUCCESS or COMPLETE condition cannot be an essential container',
        );
      }
      if (d.condition === 'HEALTHY' && !target.healthCheck) {
        throw fail(
          `Container '${c.name}' depends on container '${target.name}' being HEALTHY, but '${target.name}' has no health check.`,
        );
      }
    }
  }
  // Depth-first search for a cycle: a container that waits, through others, on itself.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw fail('Container dependencies should not have a cycle');
    state.set(name, 'visiting');
    for (const d of byName.get(name)?.dependsOn ?? []) visit(d.containerName!);
    state.set(name, 'done');
  };
  for (const c of containers) visit(c.name!);
}
