import type { RunTaskResponse } from '@aws-sdk/client-ecs';
import { resolveSubnet } from '../../control/eni-allocation.ts';
import { launchTasks } from '../../control/task-launcher.ts';
import { assignProviders } from '../../core/ecs/capacity-placement.ts';
import { checkOverrides } from '../../core/ecs/container-overrides.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getTags, type Tag } from '../../store/tags.ts';
import type { OperationContext } from '../operation.ts';
import { requireCluster } from './cluster-lookup.ts';
import { launchContext } from './launch-context.ts';
import { checkTags } from './tag-rules.ts';
import { findTaskDefinition } from './task-definition-lookup.ts';
import type { RunInput } from './task-launch.ts';
import { checkNetworkConfiguration, resolveCapacity, taskSize } from './task-launch.ts';
import { taskView } from './task-view.ts';

/**
 * Starts up to 10 tasks: records each one PROVISIONING with its ENI already allocated, then
 * wakes the task reconciler, which brings them up. A task the host has no room for is
 * answered in `failures`, as Fargate answers.
 */
export async function runTask(ctx: OperationContext, input: RunInput): Promise<Wire<RunTaskResponse>> {
  const count = input.count ?? 1;
  if (count < 1 || count > 10) throw ecsError('InvalidParameterException', 'count must be between 1 and 10.');
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

    const { strategy } = resolveCapacity(cluster, input);
    const overrides = input.overrides ?? {};
    checkOverrides(td, overrides);
    const { cpuUnits, memoryMiB } = taskSize(td, overrides);
    const net = checkNetworkConfiguration(td, input.networkConfiguration);
    const subnets = [];
    for (const id of net.subnets) subnets.push(await resolveSubnet(tx, launchContext(ctx), id));

    const providers = strategy ? assignProviders(strategy, count) : Array<string>(count).fill('FARGATE');
    const propagated: Tag[] =
      input.propagateTags === 'TASK_DEFINITION' ? await getTags(tx, td.taskDefinitionArn!) : [];
    const managed: Tag[] = input.enableECSManagedTags
      ? [{ key: 'aws:ecs:clusterName', value: cluster.name }]
      : [];
    const allTags = mergeTags(propagated, tags, managed);

    const { records, failures } = await launchTasks(tx, launchContext(ctx), {
      cluster: cluster.name,
      taskDefinition: td,
      overrides,
      cpuUnits,
      memoryMiB,
      providers,
      viaStrategy: strategy !== undefined,
      subnets,
      securityGroups: net.securityGroups,
      assignPublicIp: net.assignPublicIp,
      startedBy: input.startedBy,
      group: input.group ?? `family:${td.family}`,
      tags: allTags,
    });
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
