import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Ids } from '../core/ids.ts';
import type { Scope } from '../core/scope.ts';
import type { Store } from '../store/store.ts';

/** What operations share for the life of the server. */
export interface ApiDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
  log: Logger;
  /** Told after a write that reconcilers should look at, so they act at once, not at their next tick. */
  wake(reason: string): void;
  /** The host tasks run on, and what it offers them (cpu units and MiB, overcommit included). */
  host: { id: string; cpuUnits: number; memoryMiB: number };
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
