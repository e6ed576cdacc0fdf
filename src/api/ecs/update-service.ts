import type { UpdateServiceRequest, UpdateServiceResponse } from '@aws-sdk/client-ecs';
import { startDeployment } from '../../control/service-deployments.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { ServiceConfig } from '../../core/ecs/service.ts';
import type { Wire } from '../../core/wire.ts';
import { updateService as saveService } from '../../store/services.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { checkServiceLoadBalancers } from './service-load-balancers.ts';
import { requireService } from './service-lookup.ts';
import {
  deploymentConfiguration,
  refuseUnsupported,
  serviceCapacity,
  serviceNetwork,
  serviceTaskDefinition,
} from './service-settings.ts';
import { serviceView } from './service-view.ts';

/**
 * Changes a service. A new task definition, network, capacity strategy, platform or load
 * balancers (or forceNewDeployment) starts a new deployment; the desired count and other settings apply to
 * the current one.
 */
export async function updateService(
  ctx: OperationContext,
  input: Wire<UpdateServiceRequest>,
): Promise<Wire<UpdateServiceResponse>> {
  refuseUnsupported(input);
  if (input.desiredCount !== undefined && input.desiredCount < 0) {
    throw ecsError('InvalidParameterException', 'desiredCount must be 0 or more.');
  }
  const out = await ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    const svc = await requireService(tx, ctx.scope, cluster.name, input.service);
    if (svc.status !== 'ACTIVE') throw ecsError('ServiceNotActiveException', 'Service was not ACTIVE.');
    const c = svc.config;
    const td = await serviceTaskDefinition(tx, ctx, input.taskDefinition ?? c.taskDefinition);
    const capacity =
      input.capacityProviderStrategy !== undefined
        ? serviceCapacity(cluster, { capacityProviderStrategy: input.capacityProviderStrategy })
        : {
            ...(c.launchType && { launchType: c.launchType }),
            ...(c.capacityProviderStrategy && { capacityProviderStrategy: c.capacityProviderStrategy }),
          };
    const network = input.networkConfiguration
      ? await serviceNetwork(tx, ctx, td, input.networkConfiguration)
      : c.networkConfiguration;
    // A new task definition must still have the containers and ports the target groups name.
    const loadBalancers =
      input.loadBalancers !== undefined || td.taskDefinitionArn !== c.taskDefinition
        ? await checkServiceLoadBalancers(tx, ctx.scope, td, input.loadBalancers ?? c.loadBalancers)
        : c.loadBalancers;
    const { launchType: _l, capacityProviderStrategy: _s, ...rest } = c;
    const config: ServiceConfig = {
      ...rest,
      taskDefinition: td.taskDefinitionArn!,
      desiredCount: input.desiredCount ?? c.desiredCount,
      ...capacity,
      platformVersion: input.platformVersion ?? c.platformVersion,
      networkConfiguration: network,
      loadBalancers,
      deploymentConfiguration: deploymentConfiguration(
        input.deploymentConfiguration,
        c.deploymentConfiguration,
      ),
      ...(input.healthCheckGracePeriodSeconds !== undefined && {
        healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
      }),
      ...(input.enableECSManagedTags !== undefined && { enableECSManagedTags: input.enableECSManagedTags }),
      ...(input.propagateTags !== undefined && { propagateTags: input.propagateTags }),
      ...(input.enableExecuteCommand !== undefined && { enableExecuteCommand: input.enableExecuteCommand }),
      ...(input.availabilityZoneRebalancing !== undefined && {
        availabilityZoneRebalancing: input.availabilityZoneRebalancing,
      }),
    };
    const redeploy =
      input.forceNewDeployment === true ||
      config.taskDefinition !== c.taskDefinition ||
      JSON.stringify(config.networkConfiguration) !== JSON.stringify(c.networkConfiguration) ||
      JSON.stringify(config.capacityProviderStrategy) !== JSON.stringify(c.capacityProviderStrategy) ||
      JSON.stringify(config.loadBalancers) !== JSON.stringify(c.loadBalancers) ||
      config.platformVersion !== c.platformVersion;
    const saved = await saveService(tx, { ...svc, config, updatedAt: ctx.now });
    if (!saved) throw ecsError('UpdateInProgressException', 'The service is being updated; try again.');
    if (redeploy) {
      await startDeployment(tx, { scope: ctx.scope, now: ctx.now, ids: ctx.deps.ids }, saved, td);
      // A new deployment ends the throttle, as ECS's docs say.
      const fresh = await saveService(tx, { ...saved, state: { consecutiveFailures: 0 } });
      return { service: await serviceView(tx, fresh ?? saved, false), cluster: cluster.name };
    }
    return { service: await serviceView(tx, saved, false), cluster: cluster.name };
  });
  ctx.deps.wakeService(ctx.scope, out.cluster, out.service.serviceName!);
  return { service: out.service };
}
