import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForExitOptions {
  readonly exitsDir: string;
  readonly id: string;
  readonly timeoutMs: number;
  /** Asked now and then: true when the container is gone without anyone to write its exit file. */
  readonly gone: () => Promise<boolean>;
  /** @default 250 */
  readonly goneCheckIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/** Resolves true as soon as the container's exit file appears (or it is gone), false at the timeout. */
export async function waitForExit(options: WaitForExitOptions): Promise<boolean> {
  const { exitsDir, id, timeoutMs, gone, goneCheckIntervalMs = 250, signal } = options;
  const file = join(exitsDir, id);
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal?.addEventListener('abort', abort, { once: true });
  const watcher = watch(exitsDir, { persistent: false, signal: controller.signal });
  const written = new Promise<true>((resolve) => {
    watcher.on('change', (_, name) => name === id && resolve(true));
    watcher.on('error', () => {});
  });
  const exists = () =>
    stat(file).then(
      () => true,
      () => false,
    );
  try {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      if ((await exists()) || (await gone())) return true;
      const waitMs = Math.min(goneCheckIntervalMs, deadline - performance.now());
      if (waitMs <= 0) return false;
      const nap = sleep(waitMs, false, { signal: controller.signal }).catch(() => false);
      if (await Promise.race([written, nap])) return true;
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    controller.abort();
    watcher.close();
  }
}
