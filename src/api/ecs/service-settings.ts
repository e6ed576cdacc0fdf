import type { CreateServiceRequest, UpdateServiceRequest } from '@aws-sdk/client-ecs';
import type { Kysely } from 'kysely';
import { resolveSubnet } from '../../control/eni-allocation.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { ServiceConfig } from '../../core/ecs/service.ts';
import type { TaskDefinition } from '../../core/ecs/task-definition.ts';
import type { Wire } from '../../core/wire.ts';
import type { ClusterRecord } from '../../store/clusters.ts';
import type { Database } from '../../store/schema.ts';
import type { OperationContext } from '../operation.ts';
import { launchContext } from './launch-context.ts';
import { findTaskDefinition } from './task-definition-lookup.ts';
import { checkNetworkConfiguration, resolveCapacity, taskSize } from './task-launch.ts';

export const SERVICE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/** The ACTIVE task definition a service asks for, able to run on Fargate. */
export async function serviceTaskDefinition(
  tx: Kysely<Database>,
  ctx: OperationContext,
  ref: string,
): Promise<TaskDefinition> {
  const found = await findTaskDefinition(tx, ctx.scope, ref);
  if (!found || found.status === 'DELETE_IN_PROGRESS')
    throw ecsError('ClientException', 'TaskDefinition not found.');
  if (found.status === 'INACTIVE') throw ecsError('InvalidParameterException', 'TaskDefinition is inactive');
  taskSize(found.doc, {});
  return found.doc;
}

/** Checks a deployment configuration and fills in ECS's defaults (100 and 200 percent). */
export function deploymentConfiguration(
  given: Wire<CreateServiceRequest>['deploymentConfiguration'],
  current?: ServiceConfig['deploymentConfiguration'],
): ServiceConfig['deploymentConfiguration'] {
  const maximumPercent = given?.maximumPercent ?? current?.maximumPercent ?? 200;
  const minimumHealthyPercent = given?.minimumHealthyPercent ?? current?.minimumHealthyPercent ?? 100;
  if (minimumHealthyPercent < 0 || minimumHealthyPercent > 100) {
    throw ecsError('InvalidParameterException', 'minimumHealthyPercent must be between 0 and 100.');
  }
  if (maximumPercent < 100 && minimumHealthyPercent > 0 && maximumPercent <= minimumHealthyPercent) {
    throw ecsError('InvalidParameterException', 'maximumPercent must be greater than minimumHealthyPercent.');
  }
  if (maximumPercent < 1 || maximumPercent > 2000) {
    throw ecsError('InvalidParameterException', 'maximumPercent must be between 1 and 2000.');
  }
  if (given?.strategy !== undefined && given.strategy !== 'ROLLING') {
    throw ecsError(
      'InvalidParameterException',
      `The ${given.strategy} deployment strategy is not supported by neargate yet; use ROLLING.`,
    );
  }
  const breaker = given?.deploymentCircuitBreaker ?? current?.deploymentCircuitBreaker;
  return {
    maximumPercent,
    minimumHealthyPercent,
    deploymentCircuitBreaker: { enable: breaker?.enable ?? false, rollback: breaker?.rollback ?? false },
  };
}

/** The network of a service's tasks: awsvpc subnets (resolved now, so a bad one fails the call). */
export async function serviceNetwork(
  tx: Kysely<Database>,
  ctx: OperationContext,
  td: TaskDefinition,
  given: Wire<CreateServiceRequest>['networkConfiguration'],
): Promise<ServiceConfig['networkConfiguration']> {
  const net = checkNetworkConfiguration(td, given);
  for (const id of net.subnets) await resolveSubnet(tx, launchContext(ctx), id);
  return {
    awsvpcConfiguration: {
      subnets: net.subnets,
      securityGroups: net.securityGroups,
      assignPublicIp: net.assignPublicIp ? 'ENABLED' : 'DISABLED',
    },
  };
}

/** Launch type or capacity provider strategy, as the service records them. */
export function serviceCapacity(
  cluster: ClusterRecord,
  input: Pick<Wire<CreateServiceRequest>, 'launchType' | 'capacityProviderStrategy'>,
): Pick<ServiceConfig, 'launchType' | 'capacityProviderStrategy'> {
  const { strategy } = resolveCapacity(cluster, input);
  return strategy ? { capacityProviderStrategy: strategy } : { launchType: 'FARGATE' };
}

/** What neargate cannot do for a service yet, refused rather than accepted and ignored. */
export function refuseUnsupported(input: Wire<CreateServiceRequest> | Wire<UpdateServiceRequest>): void {
  if (input.serviceRegistries?.length) {
    throw ecsError(
      'InvalidParameterException',
      'neargate has no service discovery yet: serviceRegistries must be empty.',
    );
  }
  if (input.deploymentController && input.deploymentController.type !== 'ECS') {
    throw ecsError(
      'InvalidParameterException',
      `The ${input.deploymentController.type} deployment controller is not supported by neargate; use ECS.`,
    );
  }
}
