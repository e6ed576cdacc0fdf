import type { NetworkConfiguration, RunTaskRequest } from '@aws-sdk/client-ecs';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { TaskDefinition } from '../../core/ecs/task-definition.ts';
import type { Wire } from '../../core/wire.ts';

export type RunInput = Wire<RunTaskRequest>;

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
