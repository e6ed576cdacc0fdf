import type { Socket } from 'node:net';
import type { TargetPlan } from './lb-plan.ts';
import { type HealthRecord, INITIAL_HEALTH } from './target-health-state.ts';
import { UpstreamPool } from './upstream-pool.ts';

/** One registered target of one target group, as the data plane runs it. */
export class TargetRuntime {
  readonly key: string;
  readonly pool: UpstreamPool;
  health: HealthRecord = INITIAL_HEALTH;
  /** Set once deregistered: no new requests or connections, those in flight end by then (epoch ms). */
  drainingUntil: number | undefined;
  /** Whether new requests may go here now; kept by the target group. */
  routable = false;
  /** Requests in flight, for least outstanding requests. */
  outstanding = 0;
  /** Connections passed through whole (NLB flows, WebSockets), cut with the target. */
  readonly tunnels = new Set<Socket>();
  checkTimer: NodeJS.Timeout | undefined;
  /** Bumped whenever its checks restart, so a check still running from before is ignored. */
  checkGeneration = 0;
  drainTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly port: number,
    options: { tls: boolean; now: () => number },
  ) {
    this.key = targetKey(id, port);
    this.pool = new UpstreamPool({ host: id, port, tls: options.tls, now: options.now });
  }

  /** Closes everything that still goes to the target: requests in flight fail, tunnels close. */
  cut(): void {
    this.checkGeneration++;
    clearTimeout(this.checkTimer);
    clearTimeout(this.drainTimer);
    this.pool.cut();
    for (const socket of this.tunnels) socket.destroy();
    this.tunnels.clear();
  }

  /** Cuts the target for good: it has left the plan. */
  close(): void {
    this.cut();
    this.pool.close();
  }
}

export function targetKey(id: string, port: number): string {
  return `${id}:${port}`;
}

export function planKey(target: TargetPlan): string {
  return targetKey(target.id, target.port);
}
