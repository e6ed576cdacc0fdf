import type { Logger } from 'pino';
import type { HealthCheckSpec } from './host-agent.ts';

/** Runs one health check command in a container: exit 0 is healthy. */
export type RunCheck = (runtimeId: string, args: string[], timeoutMs: number) => Promise<number>;

type Health = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

interface Watched {
  spec: HealthCheckSpec;
  status: Health;
  failures: number;
  startedAtMs: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * ECS container health checks: the command runs every `interval`, a run that fails or outlasts
 * `timeout` counts as a failure, `retries` failures in a row make the container UNHEALTHY (those
 * within `startPeriod` do not count), one success makes it HEALTHY. Until the first verdict it is
 * UNKNOWN. Health is kept in memory: after a restart it is UNKNOWN again until the next check.
 */
export class HealthMonitor {
  readonly #watched = new Map<string, Watched>();

  constructor(
    private readonly run: RunCheck,
    private readonly onChange: (runtimeId: string, status: Health) => void,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  watch(runtimeId: string, spec: HealthCheckSpec): void {
    if (this.#watched.has(runtimeId)) return;
    const w: Watched = { spec, status: 'UNKNOWN', failures: 0, startedAtMs: this.now(), timer: undefined };
    this.#watched.set(runtimeId, w);
    this.#schedule(runtimeId, w, Math.min(spec.intervalMs, 1000));
  }

  unwatch(runtimeId: string): void {
    const w = this.#watched.get(runtimeId);
    if (w) clearTimeout(w.timer);
    this.#watched.delete(runtimeId);
  }

  status(runtimeId: string): Health {
    return this.#watched.get(runtimeId)?.status ?? 'UNKNOWN';
  }

  close(): void {
    for (const id of [...this.#watched.keys()]) this.unwatch(id);
  }

  #schedule(runtimeId: string, w: Watched, delayMs: number) {
    w.timer = setTimeout(() => void this.#check(runtimeId, w), delayMs);
    w.timer.unref();
  }

  async #check(runtimeId: string, w: Watched) {
    const [kind, ...rest] = w.spec.command;
    const args = kind === 'CMD-SHELL' ? ['/bin/sh', '-c', rest.join(' ')] : rest;
    let ok: boolean;
    try {
      ok = (await this.run(runtimeId, args, w.spec.timeoutMs)) === 0;
    } catch (err) {
      this.log.debug({ err, runtimeId }, 'health check could not run');
      ok = false;
    }
    if (this.#watched.get(runtimeId) !== w) return;
    let status = w.status;
    if (ok) {
      w.failures = 0;
      status = 'HEALTHY';
    } else if (this.now() - w.startedAtMs >= w.spec.startPeriodMs) {
      w.failures++;
      if (w.failures >= w.spec.retries) status = 'UNHEALTHY';
    }
    if (status !== w.status) {
      w.status = status;
      this.onChange(runtimeId, status);
    }
    this.#schedule(runtimeId, w, w.spec.intervalMs);
  }
}
