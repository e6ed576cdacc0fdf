import { ProcessError } from './process-error.ts';
import type { ProcessRunner } from './process-runner.ts';

export interface CommandOptions {
  /** Written to stdin, which is then closed. */
  readonly input?: string | Uint8Array;
  /** Relative paths in the arguments resolve against it. */
  readonly cwd?: string;
  /** @default 16 MiB */
  readonly maxOutputBytes?: number;
  readonly signal?: AbortSignal;
}

/** Why a command failed, for the caller to turn into its own error type. */
export interface CommandFailure {
  /** `Command "ip -batch -" exited with 2: <stderr>`, or why it could not start. */
  readonly message: string;
  /** Null when it was killed, could not start, or its runner failed. */
  readonly exitCode: number | null;
  readonly stderr: string;
  /** The ProcessError of a command that could not start or whose runner failed. */
  readonly cause?: ProcessError;
}

/**
 * Runs a host tool through `runner` and resolves with its stdout when it exits 0. Otherwise
 * rejects with what `fail` makes of the failure (each module has its error type); an abort
 * rejects with the signal's reason as it is.
 */
export async function runCommand(
  runner: ProcessRunner,
  file: string,
  args: readonly string[],
  options: CommandOptions,
  fail: (failure: CommandFailure) => Error,
): Promise<string> {
  const { input, cwd, maxOutputBytes, signal } = options;
  let result: Awaited<ReturnType<ProcessRunner['run']>>;
  try {
    result = await runner.run(file, args, {
      ...(input !== undefined && { input }),
      ...(cwd !== undefined && { cwd }),
      ...(maxOutputBytes !== undefined && { maxOutputBytes }),
      ...(signal && { signal }),
    });
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    throw fail({
      message: `Command "${file}" could not ${error.code === 'SpawnFailed' ? 'start' : 'finish'}: ${error.message}`,
      exitCode: null,
      stderr: '',
      cause: error,
    });
  }
  if (result.exitCode === 0) return result.stdout;
  const stderr = result.stderr.trim();
  const status =
    result.exitCode === null ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
  throw fail({
    message: `Command "${[file, ...args].join(' ')}" ${status}: ${stderr}`,
    exitCode: result.exitCode,
    stderr,
  });
}
