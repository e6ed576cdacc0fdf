import type { CapacityProviderStrategyItem, NetworkConfiguration, RunTaskRequest } from '@aws-sdk/client-ecs';
import { checkStrategy, type StrategyItem } from '../../core/ecs/capacity-provider-strategy.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import { isFargateSize, parseCpuUnits, parseMemoryMiB } from '../../core/ecs/fargate-size.ts';
import type { TaskOverrides } from '../../core/ecs/task.ts';
import type { TaskDefinition } from '../../core/ecs/task-definition.ts';
import type { Wire } from '../../core/wire.ts';
import type { ClusterRecord } from '../../store/clusters.ts';

export type RunInput = Wire<RunTaskRequest>;

/**
 * How tasks of a launch are placed: by a capacity provider strategy (given, or the cluster's
 * default), or on FARGATE by launch type. Without either and without a default strategy ECS
 * would use EC2, which has no container instances here.
 */
export function resolveCapacity(
  cluster: ClusterRecord,
  input: {
    launchType?: string | undefined;
    capacityProviderStrategy?: Wire<CapacityProviderStrategyItem>[] | undefined;
  },
): { strategy: StrategyItem[] | undefined } {
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw ecsError(
      'InvalidParameterException',
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
  if (input.capacityProviderStrategy?.length) {
    return { strategy: checkStrategy(input.capacityProviderStrategy, cluster.config.capacityProviders) };
  }
  if (!input.launchType && cluster.config.defaultCapacityProviderStrategy.length) {
    return { strategy: cluster.config.defaultCapacityProviderStrategy };
  }
  if ((input.launchType ?? 'EC2') !== 'FARGATE') {
    throw ecsError('InvalidParameterException', 'No Container Instances were found in your cluster.');
  }
  return { strategy: undefined };
}

/** The task size a launch gets: the task definition's, or the overrides', which must be a Fargate size too. */
export function taskSize(
  td: TaskDefinition,
  overrides: TaskOverrides,
): { cpuUnits: number; memoryMiB: number } {
  if (!td.compatibilities?.includes('FARGATE')) {
    throw ecsError('InvalidParameterException', 'Task definition does not support launch_type FARGATE.');
  }
  const cpuUnits = overrides.cpu !== undefined ? parseCpuUnits(overrides.cpu) : Number(td.cpu);
  const memoryMiB = overrides.memory !== undefined ? parseMemoryMiB(overrides.memory) : Number(td.memory);
  if (cpuUnits === undefined || memoryMiB === undefined || !isFargateSize(cpuUnits, memoryMiB)) {
    throw ecsError(
      'InvalidParameterException',
      `No Fargate configuration exists for given values: ${overrides.cpu ?? td.cpu} CPU, ${overrides.memory ?? td.memory} memory. See the Amazon ECS documentation for the valid values.`,
    );
  }
  return { cpuUnits, memoryMiB };
}

/** The awsvpc configuration of a launch, checked as ECS checks it. */
export function checkNetworkConfiguration(
  td: TaskDefinition,
  config: Wire<NetworkConfiguration> | undefined,
): { subnets: string[]; securityGroups: string[]; assignPublicIp: boolean } {
  if (td.networkMode !== 'awsvpc') {
    if (config) {
      throw ecsError(
        'InvalidParameterException',
        'Network Configuration is not valid for the given networkMode of this task definition.',
      );
    }
    throw ecsError('InvalidParameterException', 'Task definition does not support launch_type FARGATE.');
  }
  const vpc = config?.awsvpcConfiguration;
  if (!vpc) {
    throw ecsError(
      'InvalidParameterException',
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  }
  const subnets = vpc.subnets ?? [];
  const securityGroups = vpc.securityGroups ?? [];
  if (subnets.length === 0) throw ecsError('InvalidParameterException', 'subnets can not be empty.');
  if (subnets.length > 16) throw ecsError('InvalidParameterException', 'subnets can have at most 16 items.');
  if (subnets.some((s) => s === '')) throw ecsError('InvalidParameterException', 'subnet cannot be blank.');
  if (securityGroups.length > 5)
    throw ecsError('InvalidParameterException', 'securityGroups can have at most 5 items.');
  for (const sg of securityGroups) {
    if (sg === '') throw ecsError('InvalidParameterException', 'security group cannot be blank.');
    if (!/^sg-[0-9a-zA-Z]{1,32}$/.test(sg)) {
      throw ecsError(
        'InvalidParameterException',
        `Error retrieving security group information for [${sg}]: The security group '${sg}' is malformed (ErrorCode: InvalidGroupId.Malformed)`,
      );
    }
  }
  return { subnets: [...new Set(subnets)], securityGroups, assignPublicIp: vpc.assignPublicIp === 'ENABLED' };
}
