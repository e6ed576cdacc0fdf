import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** Null when the process was killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunProcessOptions {
  /** Output kept per stream; the rest is read and dropped. @default 1 MiB */
  readonly maxOutputBytes?: number;
  /** Called once the process is spawned, with its pid. */
  readonly onSpawn?: (pid: number) => void;
  /** Kills the process (SIGKILL) and rejects with the abort reason. */
  readonly signal?: AbortSignal;
}

/** Runs a program to its end and collects its output; never goes through a shell. */
export function runProcess(
  file: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  const { maxOutputBytes = 1024 * 1024, onSpawn, signal } = options;
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (stream: NodeJS.ReadableStream) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        if (size < maxOutputBytes) chunks.push(chunk.subarray(0, maxOutputBytes - size));
        size += chunk.length;
      });
      return () => Buffer.concat(chunks).toString('utf8');
    };
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('spawn', () => {
      if (child.pid !== undefined) onSpawn?.(child.pid);
    });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('close', (exitCode, killSignal) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason);
      else resolve({ exitCode, signal: killSignal, stdout: stdout(), stderr: stderr() });
    });
  });
}
