import type { Kysely } from 'kysely';
import { serviceEvent } from '../core/ecs/service-events.ts';
import type { TaskLoadBalancer, TaskRecord } from '../core/ecs/task.ts';
import type { TargetHealthView } from '../core/elbv2/target-health.ts';
import type { Ids } from '../core/ids.ts';
import { deregisterTargets, getTarget, registerTargets } from '../store/lb-targets.ts';
import type { Database } from '../store/schema.ts';
import { addServiceEvent } from '../store/service-events.ts';
import { getTargetGroup, isTargetGroupInUse } from '../store/target-groups.ts';
import type { ScopedTask } from '../store/tasks.ts';
import { type GroupHealth, readGroupHealth, type TargetHealthReport } from './target-health.ts';

/** One target a service task is registered as: its address at a container port, in a target group. */
export interface TaskTarget {
  readonly targetGroupArn: string;
  readonly id: string;
  readonly port: number;
}

/** The targets of a task of a service with loadBalancers (none for other tasks). */
export function taskTargets(t: Pick<TaskRecord, 'plan'>): TaskTarget[] {
  return (t.plan.loadBalancers ?? []).map((lb: TaskLoadBalancer) => ({
    targetGroupArn: lb.targetGroupArn,
    id: t.plan.network.ipv4,
    port: lb.containerPort,
  }));
}

/**
 * Registers a task's targets in their groups, in the transaction that takes the task from
 * ACTIVATING to RUNNING, with ECS's events. Registering what is registered changes nothing,
 * so a step run again after a crash is harmless. A group that is gone, or of another VPC, is
 * skipped with ECS's "failed to register targets" event.
 */
export async function registerTaskTargets(
  tx: Kysely<Database>,
  t: ScopedTask,
  now: number,
  ids: Ids,
): Promise<void> {
  const events: string[] = [];
  const service = t.serviceName ?? t.group;
  for (const target of taskTargets(t)) {
    const tg = await getTargetGroup(tx, target.targetGroupArn);
    const error = !tg
      ? 'One or more target groups not found'
      : tg.vpcId !== t.plan.network.vpcId
        ? `The following targets are not in the target group VPC '${tg.vpcId}': '${target.id}'`
        : undefined;
    if (error !== undefined) {
      events.push(serviceEvent.failedToRegister(service, target.targetGroupArn, error));
      continue;
    }
    await registerTargets(
      tx,
      target.targetGroupArn,
      [{ id: target.id, port: target.port, availabilityZone: t.plan.network.availabilityZone }],
      now,
    );
    events.push(serviceEvent.registeredTargets(service, 1, target.targetGroupArn));
  }
  await addEvents(tx, t, events, now, ids);
}

/**
 * Deregisters a task's targets, in the transaction that takes the task to DEACTIVATING: each
 * drains for its group's deregistration delay (no delay for a group no listener uses), with
 * ECS's events. Targets not registered (a task stopped before it ran) are skipped.
 */
export async function deregisterTaskTargets(
  tx: Kysely<Database>,
  t: ScopedTask,
  now: number,
  ids: Ids,
): Promise<void> {
  const events: string[] = [];
  const service = t.serviceName ?? t.group;
  for (const target of taskTargets(t)) {
    const row = await getTarget(tx, target.targetGroupArn, target.id, target.port);
    if (!row || row.drainingUntil !== undefined) continue;
    const tg = await getTargetGroup(tx, target.targetGroupArn);
    const delayMs =
      tg && (await isTargetGroupInUse(tx, tg.arn))
        ? Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300) * 1000
        : 0;
    await deregisterTargets(tx, target.targetGroupArn, [target], now + delayMs, now);
    events.push(serviceEvent.deregisteredTargets(service, 1, target.targetGroupArn));
  }
  if (events.length > 0) events.push(serviceEvent.drainingConnections(service, t.startedBy ?? t.group, 1));
  await addEvents(tx, t, events, now, ids);
}

/**
 * When the last of a task's draining targets ends its draining (epoch ms), if one still drains
 * at `now`: the task waits in DEACTIVATING until then, as ECS waits for the deregistration delay.
 */
export async function taskDrainEnd(
  db: Kysely<Database>,
  t: Pick<TaskRecord, 'plan'>,
  now: number,
): Promise<number | undefined> {
  let end: number | undefined;
  for (const target of taskTargets(t)) {
    const until = (await getTarget(db, target.targetGroupArn, target.id, target.port))?.drainingUntil;
    if (until !== undefined && until > now && (end === undefined || until > end)) end = until;
  }
  return end;
}

/** What ELB says of one of a task's targets. */
export interface TaskTargetHealth extends TaskTarget {
  readonly health: TargetHealthView;
}

/**
 * Reads the ELB health of each of a task's targets, as DescribeTargetHealth would report it;
 * each group is read once for all the tasks asked about (one look of the scheduler).
 */
export function taskTargetHealthReader(
  db: Kysely<Database>,
  report: TargetHealthReport | undefined,
): (t: Pick<TaskRecord, 'plan'>) => Promise<TaskTargetHealth[]> {
  const groups = new Map<string, Promise<GroupHealth | undefined>>();
  const groupHealth = (arn: string) => {
    let g = groups.get(arn);
    if (!g) {
      g = getTargetGroup(db, arn).then((tg) => (tg ? readGroupHealth(db, tg, report) : undefined));
      groups.set(arn, g);
    }
    return g;
  };
  return async (t) => {
    const out: TaskTargetHealth[] = [];
    for (const target of taskTargets(t)) {
      const health = await groupHealth(target.targetGroupArn);
      const row = await getTarget(db, target.targetGroupArn, target.id, target.port);
      out.push({
        ...target,
        health: health
          ? health(row, target.id, target.port)
          : { State: 'unused', Reason: 'Target.NotRegistered' },
      });
    }
    return out;
  };
}

async function addEvents(
  tx: Kysely<Database>,
  t: ScopedTask,
  messages: readonly string[],
  now: number,
  ids: Ids,
): Promise<void> {
  if (!t.serviceName) return;
  for (const [i, message] of messages.entries()) {
    await addServiceEvent(tx, {
      id: ids.uuid(),
      scope: t.scope,
      cluster: t.cluster,
      service: t.serviceName,
      message,
      // One millisecond apart, so they sort in the order they happened.
      createdAt: now + i,
    });
  }
}
