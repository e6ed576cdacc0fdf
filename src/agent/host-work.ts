export interface HostWorkOptions {
  /** Cleanups at once while no task is starting. @default 8 */
  readonly idleCleanups?: number;
  /** Cleanups at once while tasks are starting; at least one. @default 1 */
  readonly busyCleanups?: number;
  /**
   * The longest a cleanup is held back to the busy limit: past it, it goes as if no task were
   * starting, so that a host starting tasks without pause (a rolling deployment, a crash loop)
   * still gets its capacity and addresses back. @default 1000
   */
  readonly maxHoldMs?: number;
}

interface Waiting {
  admit(): void;
  /** Held back for longer than maxHoldMs. */
  overdue: boolean;
}

/**
 * The agent's work on the host, in two kinds. Starting tasks goes first and is never held back.
 * Cleaning up after stopped tasks (their containers, rootfs, cgroup and namespace) goes several at
 * a time, and one at a time while tasks start: it takes the kernel locks and the CPUs a start
 * needs, and a service scaling in cleans up dozens of tasks at once while it replaces one.
 */
export class HostWork {
  readonly #idle: number;
  readonly #busy: number;
  readonly #maxHoldMs: number;
  #starting = 0;
  #cleaning = 0;
  readonly #waiting: Waiting[] = [];

  constructor(options: HostWorkOptions = {}) {
    this.#idle = options.idleCleanups ?? 8;
    this.#busy = Math.max(1, options.busyCleanups ?? 1);
    this.#maxHoldMs = options.maxHoldMs ?? 1000;
    if (!(this.#idle >= this.#busy)) throw new RangeError('idleCleanups must be at least busyCleanups');
  }

  /** Runs part of a task's start at once; meanwhile cleanups not yet begun keep to the busy limit. */
  async start<T>(fn: () => Promise<T>): Promise<T> {
    this.#starting++;
    try {
      return await fn();
    } finally {
      this.#starting--;
      this.#admit();
    }
  }

  /** Runs a cleanup once a slot is free, in the order asked; an abort while it waits rejects. */
  async cleanup<T>(fn: () => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    await this.#slot(options.signal);
    try {
      return await fn();
    } finally {
      this.#cleaning--;
      this.#admit();
    }
  }

  #slot(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.#waiting.length === 0 && this.#cleaning < this.#limit(false)) {
      this.#cleaning++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        entry.overdue = true;
        this.#admit();
      }, this.#maxHoldMs);
      timer.unref();
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const entry: Waiting = {
        overdue: false,
        admit: () => {
          settle();
          resolve();
        },
      };
      const onAbort = () => {
        settle();
        this.#waiting.splice(this.#waiting.indexOf(entry), 1);
        reject(signal!.reason);
        this.#admit();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  #limit(overdue: boolean): number {
    return this.#starting > 0 && !overdue ? this.#busy : this.#idle;
  }

  #admit(): void {
    while (this.#waiting.length > 0 && this.#cleaning < this.#limit(this.#waiting[0]!.overdue)) {
      this.#cleaning++;
      this.#waiting.shift()!.admit();
    }
  }
}
