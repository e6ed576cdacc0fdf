import { watch } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import type { ContainerFiles } from './container-files.ts';
import type { ContainerExit } from './container-info.ts';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Calls onExit for every container that ends, as conmon writes its exit file (one inotify watch on
 * the exits dir, no polling), and first for every container that had ended before (while the
 * server was down, too). Each exit is reported once per call; an id removed and reused is reported
 * again. Runs until the signal aborts; rejects if the watch or onExit fails.
 */
export async function watchExits(
  files: ContainerFiles,
  onExit: (exit: ContainerExit) => void,
  { signal }: { signal?: AbortSignal } = {},
): Promise<void> {
  if (signal?.aborted) return;
  const { exitsDir } = files.layout;
  await mkdir(exitsDir, { recursive: true });
  const reported = new Set<string>();
  let fail: (error: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    fail = reject;
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  // One check at a time: conmon's write-and-rename gives several events for one exit.
  let queue = Promise.resolve();
  const check = (id: string) => {
    queue = queue
      .then(async () => {
        const exit = await files.exit(id);
        if (exit === null) {
          reported.delete(id);
        } else if (!reported.has(id)) {
          reported.add(id);
          onExit(exit);
        }
      })
      .catch(fail);
  };
  const watcher = watch(exitsDir, { persistent: false, ...(signal ? { signal } : {}) });
  watcher.on('change', (_, name) => {
    if (typeof name === 'string' && ID.test(name)) check(name);
  });
  watcher.on('error', fail);
  try {
    // After the watch is in place, so that an exit in between is seen by one or the other.
    for (const name of await readdir(exitsDir)) {
      if (ID.test(name)) check(name);
    }
    await done;
  } finally {
    watcher.close();
  }
}
