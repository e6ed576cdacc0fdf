import type { Logger } from 'pino';
import { runHealthCheck } from './health-check.ts';
import type { TargetGroupPlan, TargetHealth } from './lb-plan.ts';
import { describeHealth, nextHealth, parseMatcher, type Thresholds } from './target-health-state.ts';
import { planKey, TargetRuntime } from './target-runtime.ts';

export interface TargetGroupDeps {
  readonly now: () => number;
  readonly log: Logger;
  /** Called when a health check changes a target's state. */
  readonly onHealthChange: (targetGroupArn: string) => void;
}

/**
 * A target group as the data plane runs it: its targets with their pools and health checks, and
 * the choice of a target for each new request or connection. ELB's rules: only healthy targets,
 * or all of them when none is (fail-open); never a draining one; round robin or least
 * outstanding requests.
 */
export class TargetGroupRuntime {
  plan: TargetGroupPlan;
  readonly targets = new Map<string, TargetRuntime>();
  /** Targets dropped from the plan while still draining. */
  readonly #leaving = new Set<TargetRuntime>();
  /** Whether a listener rule forwards here: ELB checks and reports only targets in use. */
  #used = false;
  #routable: TargetRuntime[] = [];
  #stale = true;
  #next = 0;
  #checkKey = '';
  #matches: (code: number) => boolean = () => false;
  #closed = false;

  constructor(
    plan: TargetGroupPlan,
    private readonly deps: TargetGroupDeps,
  ) {
    this.plan = plan;
  }

  get arn(): string {
    return this.plan.arn;
  }

  /** Makes the running targets and checks match the plan; targets already known keep their health. */
  update(plan: TargetGroupPlan, used: boolean): void {
    const checkKey = JSON.stringify(plan.healthCheck);
    const checksChanged = checkKey !== this.#checkKey || used !== this.#used;
    this.plan = plan;
    this.#used = used;
    this.#checkKey = checkKey;
    if (plan.healthCheck.protocol !== 'TCP') this.#matches = parseMatcher(plan.healthCheck.matcher || '200');
    const tls = plan.protocol === 'HTTPS' || plan.protocol === 'TLS';
    const seen = new Set<string>();
    for (const t of plan.targets) {
      const key = planKey(t);
      seen.add(key);
      let target = this.targets.get(key);
      if (target === undefined) {
        target = new TargetRuntime(t.id, t.port, { tls, now: this.deps.now });
        this.targets.set(key, target);
        this.#startChecks(target);
      } else if (checksChanged) {
        this.#startChecks(target);
      }
      if (t.drainingUntil !== target.drainingUntil) this.#drain(target, t.drainingUntil);
    }
    for (const [key, target] of this.targets) {
      if (seen.has(key)) continue;
      this.targets.delete(key);
      const until = target.drainingUntil;
      // Dropped before its delay is over: it keeps draining, out of the plan, until then.
      target.checkGeneration++;
      if (until !== undefined && until > this.deps.now()) {
        clearTimeout(target.checkTimer);
        clearTimeout(target.drainTimer);
        this.#leaving.add(target);
        target.drainTimer = setTimeout(() => {
          this.#leaving.delete(target);
          target.close();
        }, until - this.deps.now());
      } else {
        target.close();
      }
    }
    this.#stale = true;
  }

  /** The targets new requests may go to, per ELB's rules. */
  routable(): readonly TargetRuntime[] {
    if (!this.#stale) return this.#routable;
    const live: TargetRuntime[] = [];
    for (const t of this.targets.values()) if (t.drainingUntil === undefined) live.push(t);
    const healthy = this.plan.healthCheck.enabled ? live.filter((t) => t.health.state === 'healthy') : live;
    const routable = healthy.length > 0 ? healthy : live;
    for (const t of this.targets.values()) t.routable = false;
    for (const t of routable) t.routable = true;
    this.#routable = routable;
    this.#stale = false;
    return routable;
  }

  /** A target for a new request or connection, or undefined when none is registered. */
  pick(): TargetRuntime | undefined {
    const targets = this.routable();
    const n = targets.length;
    if (n === 0) return undefined;
    const start = this.#next++ % n;
    if (this.#next > 1e9) this.#next = 0;
    if (this.plan.algorithm !== 'least_outstanding_requests') return targets[start];
    let best = targets[start]!;
    for (let i = 1; i < n && best.outstanding > 0; i++) {
      const t = targets[(start + i) % n]!;
      if (t.outstanding < best.outstanding) best = t;
    }
    return best;
  }

  /** The target a stickiness cookie names, if requests may still go there. */
  sticky(key: string): TargetRuntime | undefined {
    this.routable();
    const t = this.targets.get(key);
    return t?.routable ? t : undefined;
  }

  /** Every target of the plan, with its state as DescribeTargetHealth reports it. */
  health(): TargetHealth[] {
    const arn = this.plan.arn;
    return [...this.targets.values()].map((t) => {
      const base = { targetGroupArn: arn, id: t.id, port: t.port };
      if (t.drainingUntil !== undefined) {
        return {
          ...base,
          state: 'draining',
          reason: 'Target.DeregistrationInProgress',
          description: 'Target deregistration is in progress',
        };
      }
      if (!this.#used) {
        return {
          ...base,
          state: 'unused',
          reason: 'Target.NotInUse',
          description: 'Target group is not configured to receive traffic from the load balancer',
        };
      }
      if (!this.plan.healthCheck.enabled) {
        return {
          ...base,
          state: 'unavailable',
          reason: 'Target.HealthCheckDisabled',
          description: 'Health checks are disabled',
        };
      }
      return { ...base, state: t.health.state, ...describeHealth(t.health) };
    });
  }

  /** Stops every check and cuts every target. */
  close(): void {
    this.#closed = true;
    for (const t of [...this.targets.values(), ...this.#leaving]) t.close();
    this.targets.clear();
    this.#leaving.clear();
    this.#stale = true;
  }

  #drain(target: TargetRuntime, until: number | undefined): void {
    clearTimeout(target.drainTimer);
    target.drainingUntil = until;
    this.#stale = true;
    if (until === undefined) {
      this.#startChecks(target);
      return;
    }
    clearTimeout(target.checkTimer);
    target.checkTimer = undefined;
    target.checkGeneration++;
    const left = until - this.deps.now();
    // Requests in flight past the delay are cut, as ELB cuts them (the client sees a 502).
    target.drainTimer = setTimeout(() => target.cut(), Math.max(0, left));
  }

  #startChecks(target: TargetRuntime): void {
    clearTimeout(target.checkTimer);
    target.checkTimer = undefined;
    const generation = ++target.checkGeneration;
    if (!this.#used || !this.plan.healthCheck.enabled || target.drainingUntil !== undefined) return;
    target.checkTimer = setTimeout(() => void this.#check(target, generation), 0);
  }

  async #check(target: TargetRuntime, generation: number): Promise<void> {
    const check = this.plan.healthCheck;
    const started = this.deps.now();
    const port = check.port === 'traffic-port' ? target.port : check.port;
    const result = await runHealthCheck(target.id, port, check, this.#matches);
    // Checks restarted meanwhile (new settings, a drain, a removal): this result is not theirs.
    if (this.#closed || target.checkGeneration !== generation) return;
    const before = target.health.state;
    target.health = nextHealth(target.health, result, this.#thresholds());
    if (target.health.state !== before) {
      this.#stale = true;
      this.deps.log.info(
        {
          targetGroupArn: this.plan.arn,
          target: target.key,
          state: target.health.state,
          ...describeHealth(target.health),
        },
        'target health changed',
      );
      this.deps.onHealthChange(this.plan.arn);
    }
    const wait = Math.max(0, started + check.intervalMs - this.deps.now());
    target.checkTimer = setTimeout(() => void this.#check(target, generation), wait);
  }

  #thresholds(): Thresholds {
    const { healthyThreshold, unhealthyThreshold } = this.plan.healthCheck;
    // An ALB target is healthy after its first passing check; an NLB one after the threshold.
    const alb = this.plan.protocol === 'HTTP' || this.plan.protocol === 'HTTPS';
    return {
      healthy: healthyThreshold,
      unhealthy: unhealthyThreshold,
      initialHealthy: alb ? 1 : healthyThreshold,
    };
  }
}
