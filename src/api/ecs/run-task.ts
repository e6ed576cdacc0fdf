import type { Failure, RunTaskResponse } from '@aws-sdk/client-ecs';
import { assignProviders } from '../../core/ecs/capacity-placement.ts';
import { checkStrategy } from '../../core/ecs/capacity-provider-strategy.ts';
import { checkOverrides } from '../../core/ecs/container-overrides.ts';
import { taskArn } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import { isFargateSize, parseCpuUnits, parseMemoryMiB } from '../../core/ecs/fargate-size.ts';
import type { TaskPlan, TaskRecord } from '../../core/ecs/task.ts';
import { newTaskDoc } from '../../core/ecs/task-doc.ts';
import type { Wire } from '../../core/wire.ts';
import { getTags, putTags, type Tag } from '../../store/tags.ts';
import { insertTask, reservedOnHost } from '../../store/tasks.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { allocateEni, resolveSubnet } from './eni-allocation.ts';
import { checkTags } from './tag-rules.ts';
import { findTaskDefinition } from './task-definition-lookup.ts';
import type { RunInput } from './task-launch.ts';
import { checkNetworkConfiguration } from './task-launch.ts';
import { taskView } from './task-view.ts';

const NO_CAPACITY =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

/**
 * Starts up to 10 tasks: records each one PROVISIONING with its ENI already allocated, then
 * wakes the task reconciler, which brings them up. A task the host has no room for is
 * answered in `failures`, as Fargate answers.
 */
export async function runTask(ctx: OperationContext, input: RunInput): Promise<Wire<RunTaskResponse>> {
  const count = input.count ?? 1;
  if (count < 1 || count > 10) throw ecsError('InvalidParameterException', 'count must be between 1 and 10.');
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw ecsError(
      'InvalidParameterException',
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
  if (input.startedBy !== undefined && input.startedBy.length > 128) {
    throw ecsError('InvalidParameterException', 'startedBy can have at most 128 characters.');
  }
  const tags = checkTags(input.tags ?? []);
  const out = await ctx.deps.store.write(async (tx) => {
    const cluster = await requireCluster(tx, ctx, input.cluster);
    const found = await findTaskDefinition(tx, ctx.scope, input.taskDefinition ?? '');
    if (!found || found.status === 'DELETE_IN_PROGRESS')
      throw ecsError('ClientException', 'TaskDefinition not found.');
    if (found.status === 'INACTIVE')
      throw ecsError('InvalidParameterException', 'TaskDefinition is inactive');
    const td = found.doc;

    // Without a launch type or strategy, ECS uses the cluster's default strategy, else EC2.
    const strategy = input.capacityProviderStrategy?.length
      ? checkStrategy(input.capacityProviderStrategy, cluster.config.capacityProviders)
      : input.launchType
        ? undefined
        : cluster.config.defaultCapacityProviderStrategy.length
          ? cluster.config.defaultCapacityProviderStrategy
          : undefined;
    const launchType = strategy ? undefined : (input.launchType ?? 'EC2');
    if (launchType !== undefined && launchType !== 'FARGATE') {
      throw ecsError('InvalidParameterException', 'No Container Instances were found in your cluster.');
    }
    if (!td.compatibilities?.includes('FARGATE')) {
      throw ecsError('InvalidParameterException', 'Task definition does not support launch_type FARGATE.');
    }
    const overrides = input.overrides ?? {};
    checkOverrides(td, overrides);
    const cpuUnits = overrides.cpu !== undefined ? parseCpuUnits(overrides.cpu) : Number(td.cpu);
    const memoryMiB = overrides.memory !== undefined ? parseMemoryMiB(overrides.memory) : Number(td.memory);
    if (cpuUnits === undefined || memoryMiB === undefined || !isFargateSize(cpuUnits, memoryMiB)) {
      throw ecsError(
        'InvalidParameterException',
        `No Fargate configuration exists for given values: ${overrides.cpu ?? td.cpu} CPU, ${overrides.memory ?? td.memory} memory. See the Amazon ECS documentation for the valid values.`,
      );
    }
    const net = checkNetworkConfiguration(td, input.networkConfiguration);
    const subnets = [];
    for (const id of net.subnets) subnets.push(await resolveSubnet(tx, ctx, id));

    const providers = strategy ? assignProviders(strategy, count) : Array<string>(count).fill('FARGATE');
    const propagated: Tag[] =
      input.propagateTags === 'TASK_DEFINITION' ? await getTags(tx, td.taskDefinitionArn!) : [];
    const managed: Tag[] = input.enableECSManagedTags
      ? [{ key: 'aws:ecs:clusterName', value: cluster.name }]
      : [];
    const allTags = mergeTags(propagated, tags, managed);

    const reserved = await reservedOnHost(tx, ctx.deps.host.id);
    const failures: Wire<Failure>[] = [];
    const records: TaskRecord[] = [];
    for (let i = 0; i < count; i++) {
      if (
        reserved.cpuUnits + cpuUnits > ctx.deps.host.cpuUnits ||
        reserved.memoryMiB + memoryMiB > ctx.deps.host.memoryMiB
      ) {
        failures.push({ reason: NO_CAPACITY });
        continue;
      }
      const id = ctx.deps.ids.hex(16);
      const subnet = subnets[i % subnets.length]!;
      const eni = await allocateEni(tx, ctx, subnet, id, net);
      if (!eni) {
        failures.push({
          arn: subnet.subnet_id,
          reason: 'ENI_ALLOCATION_FAILED',
          detail: `The subnet ${subnet.subnet_id} has no free address.`,
        });
        continue;
      }
      const plan: TaskPlan = {
        taskDefinition: td,
        overrides,
        cpuUnits,
        memoryMiB,
        network: eni,
        capacityProvider: providers[i] as TaskPlan['capacityProvider'],
      };
      const group = input.group ?? `family:${td.family}`;
      const doc = newTaskDoc({
        scope: ctx.scope,
        cluster: cluster.name,
        id,
        plan,
        startedBy: input.startedBy,
        group,
        capacityProviderName: strategy ? providers[i] : undefined,
        now: ctx.now,
        containerIds: (td.containerDefinitions ?? []).map(() => ctx.deps.ids.uuid()),
      });
      const record: TaskRecord = {
        id,
        cluster: cluster.name,
        family: td.family!,
        revision: td.revision!,
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        startedBy: input.startedBy,
        group,
        serviceName: undefined,
        launchType: 'FARGATE',
        host: ctx.deps.host.id,
        createdAt: ctx.now,
        stoppedAt: undefined,
        version: 1,
        doc,
        plan,
      };
      await insertTask(tx, ctx.scope, record);
      await putTags(tx, taskArn(ctx.scope, cluster.name, id), allTags);
      reserved.cpuUnits += cpuUnits;
      reserved.memoryMiB += memoryMiB;
      records.push(record);
    }
    const tasks = [];
    for (const r of records) tasks.push(await taskView(tx, ctx.scope, r, allTags.length > 0));
    return { tasks, failures, ids: records.map((r) => r.id) };
  });
  ctx.deps.wake(out.ids);
  return { tasks: out.tasks, failures: out.failures };
}

/** Later lists win on the same key, so a user's tag beats a propagated one. */
function mergeTags(...lists: Tag[][]): Tag[] {
  const m = new Map<string, string>();
  for (const list of lists) for (const t of list) m.set(t.key, t.value);
  return [...m].map(([key, value]) => ({ key, value }));
}
