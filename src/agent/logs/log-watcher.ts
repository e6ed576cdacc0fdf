import { type FSWatcher, watch } from 'node:fs';
import { basename } from 'node:path';

/**
 * Watches the log directories of the tasks on the host (inotify through fs.watch) and tells
 * which container wrote: `<name>.log` in a task's `logs/`.
 */
export class LogWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #listeners = new Set<(taskId: string, name: string) => void>();

  constructor(private readonly onError: (err: unknown, taskId: string) => void) {}

  watch(taskId: string, logsDir: string): void {
    if (this.#watchers.has(taskId)) return;
    try {
      const w = watch(logsDir, { persistent: false }, (_event, file) => {
        if (typeof file !== 'string' || !file.endsWith('.log')) return;
        const name = basename(file, '.log');
        for (const l of this.#listeners) l(taskId, name);
      });
      w.on('error', (err) => {
        this.onError(err, taskId);
        this.unwatch(taskId);
      });
      this.#watchers.set(taskId, w);
    } catch (err) {
      // The directory is gone (the task was released meanwhile), or inotify is out of watches.
      this.onError(err, taskId);
    }
  }

  unwatch(taskId: string): void {
    this.#watchers.get(taskId)?.close();
    this.#watchers.delete(taskId);
  }

  on(listener: (taskId: string, name: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }
}
