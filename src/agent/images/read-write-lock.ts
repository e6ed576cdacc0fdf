/**
 * Shared/exclusive lock inside one process. Loads and mounts share it; garbage collection
 * takes it alone, so it never deletes a layer that a load is about to record or a mount is
 * about to lease. Readers are never queued behind a waiting writer: a task start must not
 * wait for a collection that waits for a long load. A collection can therefore wait while
 * shared holders keep overlapping; it only frees space, so that is acceptable.
 */
export class ReadWriteLock {
  #readers = 0;
  #writer = false;
  #waiting: Array<() => void> = [];

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#writer) await this.#wait();
    this.#readers++;
    try {
      return await fn();
    } finally {
      this.#readers--;
      this.#wake();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#writer || this.#readers > 0) await this.#wait();
    this.#writer = true;
    try {
      return await fn();
    } finally {
      this.#writer = false;
      this.#wake();
    }
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  // Every waiter re-checks its own condition, so waking all of them is always correct.
  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}
