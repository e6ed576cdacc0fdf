import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { HealthListeners, type LbDataPlaneSnapshot, lookupForTasks } from './data-plane-view.ts';
import { HostsFile } from './hosts-file.ts';
import type { LbDataPlane, LbPlan, TargetHealth } from './lb-plan.ts';

import type { HostAddresses } from './task-address.ts';

export interface WorkerLbDataPlaneOptions {
  readonly log: Logger;
  /** The data plane keeps the load balancers' names in this hosts file. @default none */
  readonly hostsFile?: { readonly owner: string; readonly path?: string };
  /** As LocalLbDataPlaneOptions.hostAddresses; called on this thread. @default none */
  readonly hostAddresses?: HostAddresses;
  /** @default 30_000 */
  readonly listenerGraceMs?: number;
}

/** What the worker is started with (lb-worker.ts). */
export interface LbWorkerData {
  readonly hostsFile: WorkerLbDataPlaneOptions['hostsFile'];
  readonly hostAddresses: boolean;
  readonly listenerGraceMs: number | undefined;
  readonly logLevel: string;
}

/** To the worker. */
export type ToLbWorker =
  | { readonly op: 'apply'; readonly id: number; readonly plan: LbPlan }
  | { readonly op: 'close'; readonly id: number }
  | { readonly op: 'host-done'; readonly id: number; readonly error?: SentError };

/** From the worker. */
export type FromLbWorker =
  | { readonly op: 'done'; readonly id: number; readonly error?: SentError }
  | { readonly op: 'host'; readonly id: number; readonly call: HostCall }
  /** After every apply, before its `done`: what the main thread answers from without asking. */
  | { readonly op: 'state'; readonly state: LbDataPlaneSnapshot }
  | { readonly op: 'health'; readonly targetGroupArn: string; readonly health: readonly TargetHealth[] }
  /** A line of pino's JSON output. */
  | { readonly op: 'log'; readonly line: string };

export type HostCall =
  | { readonly method: 'ensure' | 'remove'; readonly ip: string }
  | { readonly method: 'openPort' | 'closePort'; readonly ip: string; readonly port: number };

export interface SentError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly errors?: readonly SentError[];
}

/**
 * The load balancer data plane on a thread of its own (lb-worker.ts runs a LocalLbDataPlane
 * there): requests through the listeners never wait for the control plane's work on the main
 * thread (a RunTask takes it for milliseconds), and an uncaught error in a listener restarts the
 * data plane, not the server. What the control plane reads synchronously (target health, the
 * names for the task DNS server) is mirrored here from the worker's reports; the host addresses
 * are set from this thread, as the agent lives here.
 */
export class WorkerLbDataPlane implements LbDataPlane {
  readonly #options: WorkerLbDataPlaneOptions;
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  readonly #healthListeners: HealthListeners;
  #names = new Map<string, string | undefined>();
  #taskAddresses = new Map<string, string>();
  #health = new Map<string, readonly TargetHealth[]>();
  /** The last plan applied, applied again by a worker started after one died. */
  #plan: LbPlan | undefined;
  #closed = false;
  #hostsFileCleared = false;

  constructor(options: WorkerLbDataPlaneOptions) {
    this.#options = options;
    this.#healthListeners = new HealthListeners(options.log);
  }

  apply(plan: LbPlan): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('The load balancer data plane is closed'));
    this.#plan = plan;
    if (this.#worker === undefined && plan.loadBalancers.length === 0 && plan.targetGroups.length === 0) {
      return this.#applyNothing();
    }
    return this.#call({ op: 'apply', id: 0, plan });
  }

  targetHealth(targetGroupArn: string): readonly TargetHealth[] {
    return this.#health.get(targetGroupArn) ?? [];
  }

  onHealthChange(listener: (targetGroupArn: string) => void): () => void {
    return this.#healthListeners.add(listener);
  }

  /** As LocalLbDataPlane.lookupForTasks. */
  lookupForTasks(name: string): readonly string[] | undefined {
    return lookupForTasks(this.#names, name);
  }

  /** The address a load balancer listens on for tasks, if it has one. */
  taskAddress(loadBalancerArn: string): string | undefined {
    return this.#taskAddresses.get(loadBalancerArn);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const worker = this.#worker;
    if (worker === undefined) {
      // None ran, or the last one died: its names may still be in the hosts file.
      await this.#removeHostsBlock();
      return;
    }
    try {
      await this.#call({ op: 'close', id: 0 });
    } finally {
      this.#worker = undefined;
      await worker.terminate();
    }
  }

  /**
   * An empty plan with no thread running: none is started for it (a start costs some 300 ms of
   * CPU). Only a block of names that a killed server left in the hosts file has to go.
   */
  async #applyNothing(): Promise<void> {
    if (this.#hostsFileCleared) return;
    await this.#removeHostsBlock();
    this.#hostsFileCleared = true;
  }

  async #removeHostsBlock(): Promise<void> {
    const hostsFile = this.#options.hostsFile;
    if (hostsFile !== undefined) await new HostsFile(hostsFile).remove();
  }

  #call(message: ToLbWorker & { op: 'apply' | 'close' }): Promise<void> {
    const worker = this.#started();
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }

  #started(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const data: LbWorkerData = {
      hostsFile: this.#options.hostsFile,
      hostAddresses: this.#options.hostAddresses !== undefined,
      listenerGraceMs: this.#options.listenerGraceMs,
      logLevel: this.#options.log.level,
    };
    const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: data });
    worker.on('message', (message: FromLbWorker) => this.#receive(worker, message));
    worker.on('error', (err) => this.#options.log.error({ err }, 'the load balancer data plane failed'));
    worker.on('exit', (code) => this.#exited(worker, code));
    this.#worker = worker;
    return worker;
  }

  #receive(worker: Worker, message: FromLbWorker): void {
    switch (message.op) {
      case 'done': {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error === undefined) pending?.resolve();
        else pending?.reject(receivedError(message.error));
        return;
      }
      case 'host':
        void this.#host(message.call).then(
          () => worker.postMessage({ op: 'host-done', id: message.id } satisfies ToLbWorker),
          (error: unknown) =>
            worker.postMessage({
              op: 'host-done',
              id: message.id,
              error: sentError(error),
            } satisfies ToLbWorker),
        );
        return;
      case 'state': {
        this.#names = new Map(message.state.names);
        this.#taskAddresses = new Map(message.state.taskAddresses);
        this.#health = new Map(message.state.health);
        return;
      }
      case 'health':
        this.#health.set(message.targetGroupArn, message.health);
        this.#healthListeners.emit(message.targetGroupArn);
        return;
      case 'log':
        this.#log(message.line);
        return;
    }
  }

  /** Async, so that a call that throws at once fails the worker's call, not this thread. */
  async #host(call: HostCall): Promise<void> {
    const host = this.#options.hostAddresses;
    if (host === undefined) throw new Error('This data plane has no host addresses');
    switch (call.method) {
      case 'ensure':
      case 'remove':
        return host[call.method](call.ip);
      case 'openPort':
      case 'closePort':
        return host[call.method](call.ip, call.port);
    }
  }

  /**
   * A worker gone: its listeners went with it, and what it was doing fails. Unless closing, a new
   * one runs the last plan a second later.
   */
  #exited(worker: Worker, code: number): void {
    if (this.#worker === worker) this.#worker = undefined;
    const error = new Error(`The load balancer data plane stopped (exit code ${code})`);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#health = new Map();
    this.#hostsFileCleared = false;
    if (this.#closed) return;
    this.#options.log.error({ code }, 'the load balancer data plane stopped; starting it again in 1 s');
    setTimeout(() => {
      const plan = this.#plan;
      if (plan === undefined || this.#closed || this.#worker !== undefined) return;
      this.apply(plan).catch((err: unknown) =>
        this.#options.log.error({ err }, 'the restarted load balancer data plane could not apply the plan'),
      );
    }, 1_000).unref();
  }

  /** Logs a line of the worker's pino output through this thread's logger, at its level. */
  #log(line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = record;
    const label = this.#options.log.levels.labels[Number(level)] ?? 'info';
    const log = this.#options.log as unknown as Record<string, (o: object, m?: string) => void>;
    log[label]?.call(this.#options.log, fields, typeof msg === 'string' ? msg : undefined);
  }
}

/**
 * A worker thread does not inherit the main thread's module hooks (Node 20), so it registers
 * tsx's before it imports its TypeScript entry.
 */
const WORKER_BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.resolve('./lb-worker.ts'))}); })`;

/** An error as it crosses threads: Error and AggregateError, with a Node error's code. */
export function sentError(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as NodeJS.ErrnoException).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' && { code }),
    ...(error instanceof AggregateError && { errors: error.errors.map(sentError) }),
  };
}

export function receivedError(sent: SentError): Error {
  const error =
    sent.errors === undefined
      ? new Error(sent.message)
      : new AggregateError(sent.errors.map(receivedError), sent.message);
  error.name = sent.name;
  if (sent.code !== undefined) (error as NodeJS.ErrnoException).code = sent.code;
  return error;
}
