import type { Logger } from 'pino';
import type { HostAgent } from '../agent/host-agent.ts';
import type { Clock } from '../core/clock.ts';
import type { Ids } from '../core/ids.ts';
import type { Store } from '../store/store.ts';
import { activeTasksOnHost, getTaskById, type ScopedTask } from '../store/tasks.ts';
import type { SecretSources } from './resolve-container-secret.ts';
import { driveTask, type TaskLogs } from './task-driver.ts';

export interface TaskReconcilerOptions {
  store: Store;
  agent: HostAgent;
  clock: Clock;
  log: Logger;
  hostId: string;
  /** Where containers' secrets are read. */
  secrets: SecretSources;
  /** How often tasks on their way up or down are looked at even without a wake-up. @default 5000 */
  sweepIntervalMs?: number;
  /** Told of every task change saved. */
  onTaskChange?: (t: ScopedTask) => void;
  /** Ships containers' awslogs output. */
  logs?: TaskLogs;
  /** Ids for service events. */
  ids: Ids;
  /** Told when tasks registered or deregistered load balancer targets. */
  onTargetsChange?: () => void;
}

/**
 * Keeps the tasks of one host moving through their lifecycle. A task is driven when something
 * wakes it (RunTask, StopTask, a container exit or health change, a timeout) and at every
 * sweep; one task is driven by one call at a time, while different tasks proceed in parallel.
 */
export class TaskReconciler {
  readonly #o: Required<Omit<TaskReconcilerOptions, 'onTaskChange' | 'logs' | 'onTargetsChange'>> &
    Pick<TaskReconcilerOptions, 'onTaskChange' | 'logs' | 'onTargetsChange'>;
  /** Tasks being driven now, and whether another pass was asked for meanwhile. */
  readonly #running = new Map<string, { again: boolean; done: Promise<void> }>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(options: TaskReconcilerOptions) {
    this.#o = { sweepIntervalMs: 5000, ...options };
  }

  /** Adopts what the host has, then keeps going until stop(). */
  async start(): Promise<void> {
    this.#unsubscribe = this.#o.agent.onChange((taskId) => this.wake(taskId));
    await this.#releaseOrphans();
    await this.tick();
    this.#scheduleSweep();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearTimeout(this.#sweepTimer);
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** Drives a task now. */
  wake(taskId: string): void {
    if (!this.#stopped) void this.#drive(taskId);
  }

  /**
   * Drives every active task of the host once and waits until each has settled. With
   * `inTransitOnly`, tasks that are RUNNING and wanted so are left to their events (exits and
   * health changes): observing hundreds of them on every sweep would cost a process each.
   */
  async tick(opts: { inTransitOnly?: boolean } = {}): Promise<void> {
    const tasks = await activeTasksOnHost(this.#o.store.db, this.#o.hostId);
    const due = opts.inTransitOnly
      ? tasks.filter((t) => t.lastStatus !== 'RUNNING' || t.desiredStatus !== 'RUNNING')
      : tasks;
    await Promise.all(due.map((t) => this.#drive(t.id)));
  }

  /** Resolves once the task is settled (for tests). */
  async settled(taskId: string): Promise<void> {
    while (this.#running.has(taskId)) await this.#running.get(taskId)!.done;
  }

  #drive(taskId: string): Promise<void> {
    const current = this.#running.get(taskId);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          const wakeAt = await driveTask(this.#o, taskId).catch((err: unknown) => {
            this.#o.log.error({ err, taskId }, 'driving the task failed; trying again shortly');
            return this.#o.clock.now() + 1000;
          });
          this.#setTimer(taskId, wakeAt);
        } while (entry.again && !this.#stopped);
      } finally {
        this.#running.delete(taskId);
      }
    })();
    this.#running.set(taskId, entry);
    return entry.done;
  }

  #setTimer(taskId: string, wakeAt: number | undefined) {
    clearTimeout(this.#timers.get(taskId));
    this.#timers.delete(taskId);
    if (wakeAt === undefined || this.#stopped) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(taskId);
        this.wake(taskId);
      },
      Math.max(0, wakeAt - this.#o.clock.now()),
    );
    timer.unref();
    this.#timers.set(taskId, timer);
  }

  #scheduleSweep() {
    if (this.#stopped) return;
    this.#sweepTimer = setTimeout(async () => {
      await this.tick({ inTransitOnly: true }).catch((err: unknown) =>
        this.#o.log.error({ err }, 'task sweep failed'),
      );
      this.#scheduleSweep();
    }, this.#o.sweepIntervalMs);
    this.#sweepTimer.unref();
  }

  /** Removes from the host what belongs to tasks the store no longer runs there (after a crash mid-cleanup). */
  async #releaseOrphans(): Promise<void> {
    for (const taskId of await this.#o.agent.tasksOnHost()) {
      const t = await getTaskById(this.#o.store.db, taskId);
      if (!t || t.lastStatus === 'STOPPED' || t.host !== this.#o.hostId) {
        this.#o.log.info({ taskId }, 'releasing what a stopped or unknown task left on the host');
        await this.#o.agent
          .releaseTask(taskId)
          .catch((err: unknown) => this.#o.log.error({ err, taskId }, 'release failed'));
      }
    }
  }
}
