import { spawn } from 'node:child_process';
import { ImageError } from './image-error.ts';

export interface RunCommandOptions {
  /** Working directory of the child; relative paths in its arguments resolve against it. */
  cwd?: string;
  /** Bytes written to the child's stdin, which is then closed. */
  input?: Uint8Array;
  signal?: AbortSignal;
}

const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * Runs `file` without a shell and resolves with its stdout; rejects with `CommandFailed`
 * carrying stderr when it exits non-zero. Used for the few host tools Node cannot replace
 * (mount, umount, tar for device nodes, setfattr).
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      ...(options.signal && { signal: options.signal }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout?.on('data', (c: Buffer) => {
      if (outBytes < MAX_OUTPUT_BYTES) out.push(c);
      outBytes += c.length;
    });
    child.stderr?.on('data', (c: Buffer) => {
      if (errBytes < MAX_OUTPUT_BYTES) err.push(c);
      errBytes += c.length;
    });
    if (options.input && child.stdin) {
      // A child that exits early closes its stdin; the exit code tells what happened.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    child.on('error', (error) => {
      if (error.name === 'AbortError') reject(error);
      else
        reject(
          new ImageError('CommandFailed', `Command "${file}" could not start: ${error.message}`, {
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
        new ImageError('CommandFailed', `Command "${file} ${args.join(' ')}" ${status}: ${stderr}`, {
          file,
          args,
          code,
          stderr,
        }),
      );
    });
  });
}
