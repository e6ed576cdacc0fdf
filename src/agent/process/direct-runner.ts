import type { ProcessResult, ProcessRunner, RunOptions } from './process-runner.ts';
import { spawnProcess } from './spawn-process.mjs';
import { spawnFailed, spawnRequest } from './spawn-request.ts';

/**
 * Spawns in this process. Each spawn forks it, which costs time in proportion to its memory and
 * blocks the event loop meanwhile: right for tools and tests, not for a big server (WorkerRunner).
 */
export class DirectRunner implements ProcessRunner {
  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
    const { signal, startPipe, onSpawn } = options;
    signal?.throwIfAborted();
    let refused: { error: unknown } | undefined;
    const handle = spawnProcess(spawnRequest(file, args, options), (pid) => {
      onSpawn?.(pid);
      startPipe?.beforeStart(pid).then(
        () => handle.release(),
        (error: unknown) => {
          refused = { error };
          handle.kill('SIGKILL');
        },
      );
    });
    const onAbort = () => handle.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await handle.done.catch((error: NodeJS.ErrnoException) => {
        throw spawnFailed(file, error.message, error.code);
      });
      if (refused) throw refused.error;
      signal?.throwIfAborted();
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
