import { spawn } from 'node:child_process';
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
 * The real {@link RunCommand}: rejects with a `CommandFailed` NetworkError carrying stderr when
 * the program exits non-zero, or with the signal's reason when aborted.
 */
export const runCommand: RunCommand = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.signal && { signal: options.signal }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    if (options.input !== undefined && child.stdin) {
      // A child that fails early closes its stdin; its exit code and stderr tell why.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    child.on('error', (error) => {
      if (options.signal?.aborted) reject(options.signal.reason);
      else
        reject(
          new NetworkError('CommandFailed', `Command "${file}" could not start: ${error.message}`, {
            file,
            args,
          }),
        );
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      if (options.signal?.aborted) return reject(options.signal.reason);
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const status = code === null ? `was killed by ${signal}` : `exited with ${code}`;
      reject(
        new NetworkError('CommandFailed', `Command "${file} ${args.join(' ')}" ${status}: ${stderr}`, {
          file,
          args,
          input: options.input,
          code,
          stderr,
        }),
      );
    });
  });
