import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Ids } from '../core/ids.ts';
import type { Scope } from '../core/scope.ts';
import type { LbDataPlane } from '../lb/lb-plan.ts';
import type { Store } from '../store/store.ts';

/** What operations share for the life of the server. */
export interface ApiDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
  log: Logger;
  /** Told of tasks a write changed, so the reconciler acts on them at once, not at its next sweep. */
  wake(taskIds: readonly string[]): void;
  /** Told of a service a write changed, so the service scheduler looks at it at once. */
  wakeService(scope: Scope, cluster: string, name: string): void;
  /** The host tasks run on, and what it offers them (cpu units and MiB, overcommit included). */
  host: { id: string; cpuUnits: number; memoryMiB: number };
  /** CIDRs for default VPCs, tried in order; each VPC on a host needs its own. */
  defaultVpcCidrs: readonly string[];
  /** Load balancing on this host. */
  lb: LoadBalancingDeps;
}

/** What the ELBv2 operations need besides the store. */
export interface LoadBalancingDeps {
  /** The loopback block (within 127.0.0.0/8) load balancers' addresses are taken from. */
  addressBlock: string;
  /** The data plane, for what its health checks found; absent when this host runs none. */
  dataPlane?: Pick<LbDataPlane, 'targetHealth'>;
  /** Told of every load balancing write, so the plan reaches the data plane at once. */
  wake(): void;
}

/** One request as an operation sees it: who asks, where, and when. */
export interface OperationContext {
  readonly scope: Scope;
  readonly principalArn: string;
  readonly requestId: string;
  /** The request's time, epoch milliseconds. */
  readonly now: number;
  readonly deps: ApiDeps;
}

// biome-ignore lint/suspicious/noExplicitAny: each operation narrows its own input and output.
export type Operation = (ctx: OperationContext, input: any) => Promise<object>;
