import type { Failure } from '@aws-sdk/client-ecs';
import type { Kysely } from 'kysely';
import { taskArn } from '../core/ecs/ecs-arn.ts';
import type { TaskLoadBalancer, TaskOverrides, TaskPlan, TaskRecord } from '../core/ecs/task.ts';
import type { TaskDefinition } from '../core/ecs/task-definition.ts';
import { newTaskDoc } from '../core/ecs/task-doc.ts';
import { taskRoleOf } from '../core/ecs/task-role.ts';
import type { Ids } from '../core/ids.ts';
import type { Scope } from '../core/scope.ts';
import type { Wire } from '../core/wire.ts';
import type { Database, SubnetRow } from '../store/schema.ts';
import { putTags, type Tag } from '../store/tags.ts';
import { insertTask, reservedOnHost } from '../store/tasks.ts';
import { allocateEni } from './eni-allocation.ts';

/** What launching tasks needs to know besides the request: where, when, on which host. */
export interface LaunchContext {
  scope: Scope;
  now: number;
  ids: Ids;
  /** The host tasks run on, and what it offers (cpu units and MiB, overcommit included). */
  host: { id: string; cpuUnits: number; memoryMiB: number };
  /** CIDRs for default VPCs, tried in order. */
  defaultVpcCidrs: readonly string[];
}

export interface LaunchRequest {
  cluster: string;
  taskDefinition: TaskDefinition;
  overrides: TaskOverrides;
  cpuUnits: number;
  memoryMiB: number;
  /** The capacity provider of each task to launch (its length is the count). */
  providers: readonly string[];
  /** Whether a strategy chose the providers (ECS then reports capacityProviderName). */
  viaStrategy: boolean;
  /** Subnets already resolved; tasks go to them in turn, starting at `subnetOffset`. */
  subnets: readonly SubnetRow[];
  subnetOffset?: number;
  securityGroups: string[];
  assignPublicIp: boolean;
  startedBy: string | undefined;
  group: string;
  serviceName?: string;
  /** The target groups the tasks are registered in (a service's). */
  loadBalancers?: readonly TaskLoadBalancer[];
  tags: Tag[];
}

export const NO_CAPACITY =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

/**
 * Records new tasks PROVISIONING with their ENIs, within the host's capacity; the task
 * reconciler brings them up. A task the host has no room for (or whose subnet is full) is a
 * failure, as Fargate answers RunTask.
 */
export async function launchTasks(
  tx: Kysely<Database>,
  lc: LaunchContext,
  req: LaunchRequest,
): Promise<{ records: TaskRecord[]; failures: Wire<Failure>[] }> {
  const reserved = await reservedOnHost(tx, lc.host.id);
  const failures: Wire<Failure>[] = [];
  const records: TaskRecord[] = [];
  const td = req.taskDefinition;
  for (const [i, provider] of req.providers.entries()) {
    if (
      reserved.cpuUnits + req.cpuUnits > lc.host.cpuUnits ||
      reserved.memoryMiB + req.memoryMiB > lc.host.memoryMiB
    ) {
      failures.push({ reason: NO_CAPACITY });
      continue;
    }
    const id = lc.ids.hex(16);
    const subnet = req.subnets[((req.subnetOffset ?? 0) + i) % req.subnets.length]!;
    const eni = await allocateEni(tx, lc, subnet, id, req);
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
      overrides: req.overrides,
      cpuUnits: req.cpuUnits,
      memoryMiB: req.memoryMiB,
      network: eni,
      capacityProvider: provider as TaskPlan['capacityProvider'],
      ...(req.loadBalancers?.length && { loadBalancers: [...req.loadBalancers] }),
      ...(taskRoleOf(td, req.overrides) !== undefined && { credentialsId: lc.ids.uuid() }),
    };
    const doc = newTaskDoc({
      scope: lc.scope,
      cluster: req.cluster,
      id,
      plan,
      startedBy: req.startedBy,
      group: req.group,
      capacityProviderName: req.viaStrategy ? provider : undefined,
      now: lc.now,
      containerIds: (td.containerDefinitions ?? []).map(() => lc.ids.uuid()),
    });
    const record: TaskRecord = {
      id,
      cluster: req.cluster,
      family: td.family!,
      revision: td.revision!,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      startedBy: req.startedBy,
      group: req.group,
      serviceName: req.serviceName,
      launchType: 'FARGATE',
      host: lc.host.id,
      createdAt: lc.now,
      stoppedAt: undefined,
      version: 1,
      doc,
      plan,
    };
    await insertTask(tx, lc.scope, record);
    await putTags(tx, taskArn(lc.scope, req.cluster, id), req.tags);
    reserved.cpuUnits += req.cpuUnits;
    reserved.memoryMiB += req.memoryMiB;
    records.push(record);
  }
  return { records, failures };
}
