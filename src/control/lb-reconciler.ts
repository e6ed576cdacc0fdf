import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { LbDataPlane } from '../lb/lb-plan.ts';
import { nextDrainEnd, purgeDrainedTargets } from '../store/lb-targets.ts';
import { activateLoadBalancers } from '../store/load-balancers.ts';
import type { Store } from '../store/store.ts';
import { buildLbPlan, readLbPlanInput } from './lb-plan-builder.ts';

export interface LbReconcilerOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** The host whose load balancers this reconciler runs. */
  hostId: string;
  dataPlane: LbDataPlane;
  /** How long after a failed apply the plan is tried again. @default 1000 */
  retryMs?: number;
  /** How often the plan is applied even without a wake-up. @default 10000 */
  sweepIntervalMs?: number;
}

/**
 * Keeps a host's load balancer data plane in step with the store: at each wake-up (an ELBv2
 * write), at the end of each target's draining and at each sweep, it builds the host's whole
 * plan and applies it (applying is idempotent), then marks the load balancers it carried
 * `active`. Targets whose draining ended are removed from the store first. One pass at a time.
 */
export class LbReconciler {
  readonly #o: Required<LbReconcilerOptions>;
  #running: { again: boolean; done: Promise<void> } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: LbReconcilerOptions) {
    this.#o = { retryMs: 1000, sweepIntervalMs: 10_000, ...options };
  }

  async start(): Promise<void> {
    await this.tick();
    this.#scheduleSweep();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#sweepTimer);
    await this.#running?.done;
  }

  /** Asks for a pass soon; passes asked for while one runs become one more pass. */
  wake(): void {
    if (!this.#stopped) void this.tick();
  }

  /** Runs a pass (or waits for the one running and one more) and resolves when the plan is applied. */
  tick(): Promise<void> {
    if (this.#running) {
      this.#running.again = true;
      return this.#running.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await this.#pass();
        } while (entry.again && !this.#stopped);
      } finally {
        this.#running = undefined;
      }
    })();
    this.#running = entry;
    return entry.done;
  }

  async #pass(): Promise<void> {
    const { store, clock, dataPlane, hostId, log } = this.#o;
    let wakeAt: number | undefined;
    try {
      const now = clock.now();
      await store.write((tx) => purgeDrainedTargets(tx, now));
      const input = await readLbPlanInput(store.db, hostId, now);
      const plan = buildLbPlan(input, now);
      await dataPlane.apply(plan);
      const activated = await store.write((tx) =>
        activateLoadBalancers(
          tx,
          plan.loadBalancers.map((lb) => lb.arn),
          clock.now(),
        ),
      );
      if (activated.length > 0) log.info({ loadBalancers: activated }, 'load balancers active');
      wakeAt = await nextDrainEnd(store.db);
    } catch (err) {
      log.error({ err }, 'applying the load balancer plan failed; trying again shortly');
      wakeAt = clock.now() + this.#o.retryMs;
    }
    this.#setTimer(wakeAt);
  }

  #setTimer(wakeAt: number | undefined) {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (wakeAt === undefined || this.#stopped) return;
    this.#timer = setTimeout(() => this.wake(), Math.max(0, wakeAt - this.#o.clock.now()));
    this.#timer.unref();
  }

  #scheduleSweep() {
    if (this.#stopped) return;
    this.#sweepTimer = setTimeout(async () => {
      await this.tick();
      this.#scheduleSweep();
    }, this.#o.sweepIntervalMs);
    this.#sweepTimer.unref();
  }
}
