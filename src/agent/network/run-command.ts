import { DirectRunner } from '../process/direct-runner.ts';
import type { ProcessRunner } from '../process/process-runner.ts';
import { runCommand as runWith } from '../process/run-command.ts';
import { NetworkError } from './network-error.ts';

export interface RunCommandOptions {
  /** Written to the child's stdin, which is then closed (`ip -batch -`, `nft -f -`). */
  readonly input?: string;
  readonly signal?: AbortSignal;
}

/** Runs a program without a shell and resolves with its stdout. */
export type RunCommand = (
  file: string,
  args: readonly string[],
  options?: RunCommandOptions,
) => Promise<string>;

/**
 * A {@link RunCommand} over `runner`: rejects with a `CommandFailed` NetworkError carrying stderr
 * when the program exits non-zero, or with the signal's reason when aborted.
 */
export function networkCommand(runner: ProcessRunner): RunCommand {
  return (file, args, options = {}) =>
    runWith(runner, file, args, options, (failure) => {
      const data = { file, args, input: options.input, code: failure.exitCode, stderr: failure.stderr };
      return new NetworkError(
        'CommandFailed',
        failure.message,
        data,
        failure.cause && { cause: failure.cause },
      );
    });
}

/** The {@link RunCommand} that spawns from this process. */
export const runCommand: RunCommand = networkCommand(new DirectRunner());
