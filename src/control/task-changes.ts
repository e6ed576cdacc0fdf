import type { Container } from '@aws-sdk/client-ecs';
import type { Task } from '../core/ecs/task.ts';
import { eniAttachment } from '../core/ecs/task-doc.ts';
import { canMove, type StopCode, type TaskStatus } from '../core/ecs/task-status.ts';
import { epochSeconds, type Wire } from '../core/wire.ts';
import type { ScopedTask } from '../store/tasks.ts';

/** Pure changes to a task, each returning a new task; the driver persists them. */

/** Moves a task on, stamping the times ECS reports for the status it reaches. */
export function withStatus(t: ScopedTask, status: TaskStatus, now: number): ScopedTask {
  if (!canMove(t.lastStatus, status))
    throw new RangeError(`task ${t.id} cannot go from ${t.lastStatus} to ${status}`);
  const at = epochSeconds(now);
  const doc: Task = { ...t.doc, lastStatus: status };
  if (status === 'PENDING') {
    doc.attachments = [eniAttachment(t.plan, 'ATTACHED')];
    doc.connectivity = 'CONNECTED';
    doc.connectivityAt = at;
  }
  if (status === 'RUNNING') doc.startedAt = at;
  if (status === 'DEACTIVATING' || status === 'DEPROVISIONING') doc.stoppingAt ??= at;
  if (status === 'STOPPED') {
    doc.stoppedAt = at;
    doc.executionStoppedAt ??= at;
    doc.attachments = [eniAttachment(t.plan, 'DELETED')];
    doc.connectivity = 'DISCONNECTED';
  }
  return { ...t, lastStatus: status, doc, ...(status === 'STOPPED' && { stoppedAt: now }) };
}

/** Asks the task to stop, keeping the first reason given: later ones only follow from it. */
export function withStop(t: ScopedTask, code: StopCode, reason: string, now: number): ScopedTask {
  if (t.desiredStatus === 'STOPPED') return t;
  return {
    ...t,
    desiredStatus: 'STOPPED',
    doc: {
      ...t.doc,
      desiredStatus: 'STOPPED',
      stopCode: code,
      stoppedReason: truncate(reason),
      stoppingAt: t.doc.stoppingAt ?? epochSeconds(now),
    },
  };
}

export function withContainer(t: ScopedTask, name: string, patch: Partial<Wire<Container>>): ScopedTask {
  return {
    ...t,
    doc: {
      ...t.doc,
      containers: (t.doc.containers ?? []).map((c) => (c.name === name ? { ...c, ...patch } : c)),
    },
  };
}

export function withDoc(t: ScopedTask, patch: Partial<Task>): ScopedTask {
  return { ...t, doc: { ...t.doc, ...patch } };
}

/** ECS cuts reasons at 255 characters. */
export function truncate(reason: string): string {
  return reason.length > 255 ? `${reason.slice(0, 252)}...` : reason;
}
