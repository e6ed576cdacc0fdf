/** A task's lifecycle, in the order ECS reports it. */
export const TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * Where a task may go from each status. A task stopped on its way up joins the stopping half
 * (it still gives back what it took): at DEPROVISIONING when nothing ran yet, else at
 * DEACTIVATING. Nothing ever moves backwards.
 */
export const NEXT: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  PROVISIONING: ['PENDING', 'DEPROVISIONING'],
  PENDING: ['ACTIVATING', 'DEACTIVATING'],
  ACTIVATING: ['RUNNING', 'DEACTIVATING'],
  RUNNING: ['DEACTIVATING'],
  DEACTIVATING: ['STOPPING'],
  STOPPING: ['DEPROVISIONING'],
  DEPROVISIONING: ['STOPPED'],
  STOPPED: [],
};

export function canMove(from: TaskStatus, to: TaskStatus): boolean {
  return NEXT[from].includes(to);
}

/** The states DescribeServices counts as pending: a task on its way up to RUNNING. */
export const PENDING_STATES: ReadonlySet<string> = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

export const isStopping = (s: TaskStatus): boolean =>
  TASK_STATUSES.indexOf(s) >= TASK_STATUSES.indexOf('DEACTIVATING');

/** Why a task stopped, as ECS codes it. */
export const StopCode = {
  TaskFailedToStart: 'TaskFailedToStart',
  EssentialContainerExited: 'EssentialContainerExited',
  UserInitiated: 'UserInitiated',
  ServiceSchedulerInitiated: 'ServiceSchedulerInitiated',
  SpotInterruption: 'SpotInterruption',
  TerminationNotice: 'TerminationNotice',
} as const;
export type StopCode = (typeof StopCode)[keyof typeof StopCode];

/** ECS's own wording of stop reasons. */
export const StopReason = {
  essentialExited: 'Essential container in task exited',
  userDefault: 'Stopped by user.',
  spot: 'Your Spot Task was interrupted.',
  outOfMemory: 'OutOfMemoryError: Container killed due to memory usage',
} as const;

/** The statuses a container reports. */
export type ContainerStatus = 'PENDING' | 'RUNNING' | 'STOPPED';
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
