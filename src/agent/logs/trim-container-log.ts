import { open } from 'node:fs/promises';
import type { LogPosition } from '../host-agent.ts';
import type { ProcessRunner } from '../process/process-runner.ts';
import { runCommand } from '../process/run-command.ts';

export interface TrimLogOptions {
  /** Runs `fallocate` (util-linux). */
  runner: ProcessRunner;
  /** @default 'fallocate' from PATH */
  fallocatePath?: string;
  signal?: AbortSignal;
}

/** fallocate could not free the log's shipped part (a filesystem without hole punching, say). */
export class LogTrimError extends Error {
  override readonly name = 'LogTrimError';
}

/**
 * How much of a log's start can become a hole when everything before `offset` is shipped: whole
 * blocks only (a partial one would be zeroed, not freed), and never the byte at `offset - 1`,
 * which the reader looks at to know that `offset` starts a record.
 */
export function holeLength(offset: number, blockSize: number): number {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(blockSize) || blockSize <= 0) {
    throw new RangeError(`Bad offset "${offset}" or block size "${blockSize}"`);
  }
  if (offset <= 1) return 0;
  return Math.floor((offset - 1) / blockSize) * blockSize;
}

/**
 * Frees the disk a log uses before `upTo`, keeping its size and every offset: the shipped start
 * becomes a hole (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) that reads as zeros, so positions
 * recorded in the store stay valid, reads from `upTo` on are unchanged, and conmon, which opened
 * the log O_APPEND, goes on writing at its end. Nothing happens when the log is gone, is another
 * file than `upTo` names, or is shorter than `upTo`. Resolves with the hole's length.
 */
export async function trimContainerLog(
  path: string,
  upTo: LogPosition,
  opts: TrimLogOptions,
): Promise<number> {
  const file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!file) return 0;
  try {
    const st = await file.stat();
    if (`${st.dev}:${st.ino}` !== upTo.fileId || upTo.offset > st.size) return 0;
    const length = holeLength(upTo.offset, st.blksize);
    if (length === 0) return 0;
    // fallocate opens the file this process holds open, not the path: the very file that was
    // checked, even if the path were replaced meanwhile.
    const held = `/proc/${process.pid}/fd/${file.fd}`;
    const fallocate = opts.fallocatePath ?? 'fallocate';
    await runCommand(
      opts.runner,
      fallocate,
      ['--punch-hole', '--offset', '0', '--length', String(length), held],
      opts.signal ? { signal: opts.signal } : {},
      (failure) => new LogTrimError(failure.message, failure.cause && { cause: failure.cause }),
    );
    return length;
  } finally {
    await file.close();
  }
}
