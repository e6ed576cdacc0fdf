import type { CreateServiceRequest, CreateServiceResponse } from '@aws-sdk/client-ecs';
import { startDeployment } from '../../control/service-deployments.ts';
import { serviceArn } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { ServiceConfig } from '../../core/ecs/service.ts';
import type { Wire } from '../../core/wire.ts';
import { deleteServiceRows, getService, insertService } from '../../store/services.ts';
import { getTags, putTags } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { checkServiceLoadBalancers } from './service-load-balancers.ts';
import {
  deploymentConfiguration,
  refuseUnsupported,
  SERVICE_NAME,
  serviceCapacity,
  serviceNetwork,
  serviceTaskDefinition,
} from './service-settings.ts';
import { serviceView } from './service-view.ts';
import { checkTags } from './tag-rules.ts';

/** Creates a REPLICA service and its first deployment; the service scheduler starts its tasks. */
export async function createService(
  ctx: OperationContext,
  input: Wire<CreateServiceRequest>,
): Promise<Wire<CreateServiceResponse>> {
  const name = input.serviceName ?? '';
  if (!SERVICE_NAME.test(name)) {
    throw ecsError(
      'InvalidParameterException',
      'Service name must be 1-255 letters, numbers, hyphens and underscores.',
    );
  }
  if (input.schedulingStrategy === 'DAEMON') {
    throw ecsError(
      'InvalidParameterException',
      'The daemon scheduling strategy is not supported with the FARGATE launch type.',
    );
  }
  if (input.desiredCount === undefined) {
    throw ecsError(
      'InvalidParameterException',
      'desiredCount must be specified for the REPLICA scheduling strategy.',
    );
  }
  if (input.desiredCount < 0) throw ecsError('InvalidParameterException', 'desiredCount must be 0 or more.');
  refuseUnsupported(input);
  const tags = checkTags(input.tags ?? []);
  const out = await ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    const existing = await getService(tx, ctx.scope, cluster.name, name);
    if (existing && existing.status !== 'INACTIVE') {
      throw ecsError('InvalidParameterException', 'Creation of service was not idempotent.');
    }
    if (existing) await deleteServiceRows(tx, ctx.scope, cluster.name, name);
    const td = await serviceTaskDefinition(tx, ctx, input.taskDefinition ?? '');
    const config: ServiceConfig = {
      taskDefinition: td.taskDefinitionArn!,
      desiredCount: input.desiredCount!,
      ...serviceCapacity(cluster, input),
      platformVersion: input.platformVersion ?? 'LATEST',
      networkConfiguration: await serviceNetwork(tx, ctx, td, input.networkConfiguration),
      deploymentConfiguration: deploymentConfiguration(input.deploymentConfiguration),
      ...(input.healthCheckGracePeriodSeconds !== undefined && {
        healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
      }),
      loadBalancers: await checkServiceLoadBalancers(tx, ctx.scope, td, input.loadBalancers),
      serviceRegistries: [],
      enableECSManagedTags: input.enableECSManagedTags ?? false,
      propagateTags: input.propagateTags ?? 'NONE',
      enableExecuteCommand: input.enableExecuteCommand ?? false,
      availabilityZoneRebalancing: input.availabilityZoneRebalancing ?? 'ENABLED',
      createdBy: ctx.principalArn,
    };
    const record = {
      scope: ctx.scope,
      cluster: cluster.name,
      name,
      status: 'ACTIVE' as const,
      config,
      state: { consecutiveFailures: 0 },
      createdAt: ctx.now,
      updatedAt: ctx.now,
      version: 1,
    };
    await insertService(tx, record);
    const arn = serviceArn(ctx.scope, cluster.name, name);
    await putTags(tx, arn, tags);
    await startDeployment(tx, { scope: ctx.scope, now: ctx.now, ids: ctx.deps.ids }, record, td);
    return {
      service: await serviceView(tx, record, (await getTags(tx, arn)).length > 0),
      cluster: cluster.name,
    };
  });
  ctx.deps.wakeService(ctx.scope, out.cluster, name);
  return { service: out.service };
}
