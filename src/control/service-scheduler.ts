import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Ids } from '../core/ids.ts';
import type { Scope } from '../core/scope.ts';
import { activeServices } from '../store/services.ts';
import type { Store } from '../store/store.ts';
import { type SchedulingPolicy, ServiceConflict, serviceStep } from './service-step.ts';
import type { TargetHealthReport } from './target-health.ts';
import type { LaunchContext } from './task-launcher.ts';

export interface ServiceSchedulerOptions {
  store: Store;
  clock: Clock;
  ids: Ids;
  log: Logger;
  host: LaunchContext['host'];
  defaultVpcCidrs: readonly string[];
  policy: SchedulingPolicy;
  /** Told of the tasks a look started or stopped, for the task reconciler to drive. */
  wakeTasks(taskIds: readonly string[]): void;
  /** How often every service is looked at even without a wake-up. @default 5000 */
  sweepIntervalMs?: number;
  /** What the load balancer data plane's health checks found; absent without one. */
  targetHealth?: TargetHealthReport;
}

export interface ServiceKey {
  scope: Scope;
  cluster: string;
  name: string;
}

const keyOf = (k: ServiceKey) => `${k.scope.account}/${k.scope.region}/${k.cluster}/${k.name}`;

/**
 * ECS's service scheduler for replica services: keeps each service at its desired count and
 * carries its deployments through. A service is looked at when something wakes it (an API
 * call, one of its tasks changing) and at every sweep; one look at a time per service.
 */
export class ServiceScheduler {
  readonly #o: Required<Omit<ServiceSchedulerOptions, 'targetHealth'>> &
    Pick<ServiceSchedulerOptions, 'targetHealth'>;
  readonly #running = new Map<string, { again: boolean; done: Promise<void> }>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ServiceSchedulerOptions) {
    this.#o = { sweepIntervalMs: 5000, ...options };
  }

  async start(): Promise<void> {
    await this.tick();
    this.#scheduleSweep();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#sweepTimer);
    for (const t of this.#timers.values()) clearTimeout(t);
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  wake(key: ServiceKey): void {
    if (!this.#stopped) void this.#drive(key);
  }

  /** Looks at the services whose tasks are targets of a group, e.g. when ELB's health of one changed. */
  async wakeTargetGroup(targetGroupArn: string): Promise<void> {
    if (this.#stopped) return;
    for (const s of await activeServices(this.#o.store.db)) {
      if (s.config.loadBalancers.some((lb) => lb.targetGroupArn === targetGroupArn))
        this.wake({ scope: s.scope, cluster: s.cluster, name: s.name });
    }
  }

  /** Looks at every service once and waits until each has settled. */
  async tick(): Promise<void> {
    const services = await activeServices(this.#o.store.db);
    await Promise.all(services.map((s) => this.#drive({ scope: s.scope, cluster: s.cluster, name: s.name })));
  }

  #drive(key: ServiceKey): Promise<void> {
    const id = keyOf(key);
    const current = this.#running.get(id);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        for (let looks = 0; looks < 32 && !this.#stopped; looks++) {
          entry.again = false;
          const result = await this.#look(key);
          this.#setTimer(key, result?.wakeAt);
          if (!entry.again && !result?.changed) break;
        }
      } finally {
        this.#running.delete(id);
      }
    })();
    this.#running.set(id, entry);
    return entry.done;
  }

  async #look(key: ServiceKey) {
    const o = this.#o;
    try {
      const lc: LaunchContext = {
        scope: key.scope,
        now: o.clock.now(),
        ids: o.ids,
        host: o.host,
        defaultVpcCidrs: o.defaultVpcCidrs,
      };
      const result = await o.store.write((tx) => serviceStep(tx, lc, o.policy, key, o.targetHealth));
      if (result.tasks.length > 0) o.wakeTasks(result.tasks);
      return result;
    } catch (err) {
      if (err instanceof ServiceConflict) return { tasks: [], wakeAt: undefined, changed: true };
      o.log.error({ err, service: keyOf(key) }, 'service scheduling failed; trying again shortly');
      return { tasks: [], wakeAt: o.clock.now() + 1000, changed: false };
    }
  }

  #setTimer(key: ServiceKey, wakeAt: number | undefined) {
    const id = keyOf(key);
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    if (wakeAt === undefined || this.#stopped) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(id);
        this.wake(key);
      },
      Math.max(0, wakeAt - this.#o.clock.now()),
    );
    timer.unref();
    this.#timers.set(id, timer);
  }

  #scheduleSweep() {
    if (this.#stopped) return;
    this.#sweepTimer = setTimeout(async () => {
      await this.tick().catch((err: unknown) => this.#o.log.error({ err }, 'service sweep failed'));
      this.#scheduleSweep();
    }, this.#o.sweepIntervalMs);
    this.#sweepTimer.unref();
  }
}
