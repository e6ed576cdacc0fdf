import { ProcessError } from './process-error.ts';
import type { RunOptions } from './process-runner.ts';
import type { SpawnRequest } from './spawn-process.mjs';

/** Output kept per stream unless a call asks otherwise. */
const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** The part of RunOptions a spawn needs, defaults applied: what either runner hands spawnProcess. */
export function spawnRequest(file: string, args: readonly string[], options: RunOptions): SpawnRequest {
  for (const fd of [options.syncPipeFd, options.startPipe?.fd]) {
    if (fd !== undefined && (!Number.isInteger(fd) || fd < 3 || fd > 64)) {
      throw new RangeError(`Pipe fd "${fd}" must be an integer from 3 to 64`);
    }
  }
  return {
    file,
    args,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    ...(options.input !== undefined && { input: options.input }),
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.env !== undefined && { env: options.env }),
    ...(options.detached && { detached: true }),
    ...(options.syncPipeFd !== undefined && { syncPipeFd: options.syncPipeFd }),
    ...(options.startPipe && { startPipeFd: options.startPipe.fd }),
  };
}

/** The error of a program that could not be started, from Node's (`spawn ip ENOENT`). */
export function spawnFailed(file: string, message: string, errno: string | undefined): ProcessError {
  return new ProcessError('SpawnFailed', message, file, errno);
}
