import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { taskArn } from '../core/ecs/ecs-arn.ts';
import { StopCode, StopReason } from '../core/ecs/task-status.ts';
import { epochSeconds } from '../core/wire.ts';
import type { Store } from '../store/store.ts';
import { activeTasksOnHost, type ScopedTask, updateTask } from '../store/tasks.ts';

export interface SpotInterrupterOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  hostId: string;
  /** Uniform in [0, 1): picks the tasks and the times. */
  random: () => number;
  wakeTasks(taskIds: readonly string[]): void;
  /** Interruptions per hour across the host's Spot tasks, at random times. @default 0 */
  ratePerHour?: number;
}

/** Which Spot tasks to interrupt: these (ids or ARNs), or this many chosen at random. */
export type InterruptRequest = { tasks: string[] } | { count: number };

/**
 * Fargate Spot's reclaiming of capacity, on demand or at a rate: the task's containers get
 * SIGTERM at once (the two-minute warning) and SIGKILL after their stopTimeout, and the task
 * stops with stopCode SpotInterruption and ECS's reason. A service replaces it.
 */
export class SpotInterrupter {
  readonly #o: SpotInterrupterOptions;
  #rate: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: SpotInterrupterOptions) {
    this.#o = options;
    this.#rate = options.ratePerHour ?? 0;
  }

  get ratePerHour(): number {
    return this.#rate;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Changes the rate; 0 stops random interruptions. */
  setRate(ratePerHour: number): void {
    if (!(ratePerHour >= 0)) throw new RangeError('The rate must be 0 or more interruptions per hour');
    this.#rate = ratePerHour;
    this.stop();
    this.#schedule();
  }

  /** Interrupts Spot tasks and returns their ARNs. */
  async interrupt(req: InterruptRequest): Promise<string[]> {
    const o = this.#o;
    const now = o.clock.now();
    const done = await o.store.write(async (tx) => {
      const spot = (await activeTasksOnHost(tx, o.hostId)).filter(
        (t) => t.plan.capacityProvider === 'FARGATE_SPOT' && t.desiredStatus === 'RUNNING',
      );
      let chosen: ScopedTask[];
      if ('tasks' in req) {
        chosen = req.tasks.map((ref) => {
          const t = spot.find((s) => s.id === ref || taskArn(s.scope, s.cluster, s.id) === ref);
          if (!t) throw new RangeError(`${ref} is not a running FARGATE_SPOT task`);
          return t;
        });
      } else {
        const pool = [...spot];
        chosen = [];
        while (chosen.length < req.count && pool.length > 0) {
          chosen.push(...pool.splice(Math.floor(o.random() * pool.length), 1));
        }
      }
      const arns: string[] = [];
      for (const t of chosen) {
        const saved = await updateTask(tx, t.scope, {
          ...t,
          desiredStatus: 'STOPPED',
          doc: {
            ...t.doc,
            desiredStatus: 'STOPPED',
            stopCode: StopCode.SpotInterruption,
            stoppedReason: StopReason.spot,
            stoppingAt: epochSeconds(now),
          },
        });
        if (saved) arns.push(taskArn(t.scope, t.cluster, t.id));
      }
      return { arns, ids: chosen.map((t) => t.id) };
    });
    o.wakeTasks(done.ids);
    if (done.arns.length > 0) o.log.info({ tasks: done.arns }, 'interrupted Fargate Spot tasks');
    return done.arns;
  }

  /** The next random interruption: exponential waits make a Poisson process of the rate. */
  #schedule() {
    if (this.#rate <= 0) return;
    const waitMs = (-Math.log(1 - this.#o.random()) * 3_600_000) / this.#rate;
    this.#timer = setTimeout(() => {
      this.interrupt({ count: 1 })
        .catch((err: unknown) => this.#o.log.error({ err }, 'spot interruption failed'))
        .finally(() => this.#schedule());
    }, waitMs);
    this.#timer.unref();
  }
}
