import { DirectRunner } from '../process/direct-runner.ts';
import type { ProcessRunner } from '../process/process-runner.ts';
import { runCommand as runWith } from '../process/run-command.ts';
import { ImageError } from './image-error.ts';

export interface RunCommandOptions {
  /** Working directory of the child; relative paths in its arguments resolve against it. */
  cwd?: string;
  /** Bytes written to the child's stdin, which is then closed. */
  input?: Uint8Array;
  signal?: AbortSignal;
}

/**
 * Runs `file` without a shell and resolves with its stdout; rejects with `CommandFailed`
 * carrying stderr when it exits non-zero. Used for the few host tools Node cannot replace
 * (mount, umount, tar for device nodes, setfattr).
 */
export type RunCommand = (
  file: string,
  args: readonly string[],
  options?: RunCommandOptions,
) => Promise<string>;

const MAX_OUTPUT_BYTES = 64 * 1024;

/** A {@link RunCommand} over `runner`. */
export function imageCommand(runner: ProcessRunner): RunCommand {
  return (file, args, options = {}) =>
    runWith(runner, file, args, { ...options, maxOutputBytes: MAX_OUTPUT_BYTES }, (failure) => {
      const data = { file, args, code: failure.exitCode, stderr: failure.stderr };
      return new ImageError(
        'CommandFailed',
        failure.message,
        data,
        failure.cause && { cause: failure.cause },
      );
    });
}

/** The {@link RunCommand} that spawns from this process. */
export const runCommand: RunCommand = imageCommand(new DirectRunner());
