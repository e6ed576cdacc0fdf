import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readJsonLines, writeJsonLine } from './json-lines.mjs';
import { ProcessError } from './process-error.ts';
import type { ProcessResult, ProcessRunner, RunOptions } from './process-runner.ts';
import { spawnFailed, spawnRequest } from './spawn-request.ts';

export interface WorkerRunnerOptions {
  /** The worker's V8 heap limit: room for a few large outputs at once. @default 64 */
  readonly maxOldSpaceMiB?: number;
  /** Told when a worker dies on its own (the next run starts another), for the log. */
  readonly onExit?: (info: { pid: number; code: number | null; signal: NodeJS.Signals | null }) => void;
}

interface Pending {
  readonly file: string;
  readonly resolve: (result: ProcessResult) => void;
  readonly reject: (error: unknown) => void;
  readonly onSpawn: (pid: number) => void;
}

interface Worker {
  readonly child: ChildProcess;
  readonly pending: Map<number, Pending>;
}

// Reply lines of spawn-worker.mjs.
type Reply =
  | { id: number; spawned: number }
  | { id: number; result: ProcessResult }
  | { id: number; error: { message: string; code?: string } };

const WORKER_PATH = fileURLToPath(new URL('./spawn-worker.mjs', import.meta.url));
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Runs programs in a long-lived spawn worker (spawn-worker.mjs), a Node process of ~40 MB, so
 * that this process never forks: a fork from a server of some hundred MB takes 10 to 20 ms and
 * blocks its event loop. The worker starts on the first run and again after it dies; a death
 * fails the runs it held with `RunnerFailed`. Detached programs (conmon) outlive it.
 */
export class WorkerRunner implements ProcessRunner {
  readonly #maxOldSpaceMiB: number;
  readonly #onExit: WorkerRunnerOptions['onExit'];
  #worker: Worker | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: WorkerRunnerOptions = {}) {
    this.#maxOldSpaceMiB = options.maxOldSpaceMiB ?? 64;
    this.#onExit = options.onExit;
  }

  /** The current worker's pid; undefined before the first run and after a death. */
  get pid(): number | undefined {
    return this.#worker?.child.pid;
  }

  run(file: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
    const { signal, startPipe, onSpawn } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed)
      return Promise.reject(new ProcessError('RunnerFailed', 'The process runner is closed', file));
    const { input, ...request } = spawnRequest(file, args, options);
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    let refused: { error: unknown } | undefined;
    const send = (message: object) => this.#send(worker, message);
    const onAbort = () => send({ op: 'kill', id, signal: 'SIGKILL' });
    return new Promise<ProcessResult>((resolve, reject) => {
      worker.pending.set(id, {
        file,
        resolve,
        reject,
        onSpawn: (pid) => {
          onSpawn?.(pid);
          startPipe?.beforeStart(pid).then(
            () => send({ op: 'release', id }),
            (error: unknown) => {
              refused = { error };
              send({ op: 'kill', id, signal: 'SIGKILL' });
            },
          );
        },
      });
      if (worker.pending.size === 1) refWorker(worker, true);
      signal?.addEventListener('abort', onAbort, { once: true });
      send({
        op: 'run',
        id,
        request:
          typeof input === 'string' || input === undefined
            ? { ...request, ...(input !== undefined && { input }) }
            : {
                ...request,
                inputBase64: Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('base64'),
              },
        ...((onSpawn || startPipe) && { notifySpawn: true }),
      });
    })
      .then((result) => {
        if (refused) throw refused.error;
        signal?.throwIfAborted();
        return result;
      })
      .finally(() => signal?.removeEventListener('abort', onAbort));
  }

  /** Stops the worker; runs it still holds fail, and so do later ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.child.once('exit', resolve));
    worker.child.stdin?.end();
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const env = { ...process.env };
    // The server's loader (tsx) and its flags would make the worker as big as the server.
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [`--max-old-space-size=${this.#maxOldSpaceMiB}`, WORKER_PATH], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const worker: Worker = { child, pending: new Map() };
    this.#worker = worker;
    child.stdin?.on('error', () => {});
    if (child.stdout) readJsonLines(child.stdout, (reply) => this.#receive(worker, reply as Reply));
    const gone = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const how = error ? `could not start: ${error.message}` : `exited (${signal ?? `code ${code}`})`;
      for (const [id, pending] of worker.pending) {
        worker.pending.delete(id);
        const message = this.#closed
          ? `The process runner was closed while "${pending.file}" ran`
          : `The spawn worker ${how} while "${pending.file}" ran`;
        pending.reject(new ProcessError('RunnerFailed', message, pending.file));
      }
      if (!this.#closed) this.#onExit?.({ pid: child.pid ?? 0, code, signal });
    };
    child.once('error', (error) => gone(null, null, error));
    child.once('exit', (code, signal) => gone(code, signal));
    refWorker(worker, false);
    return worker;
  }

  #send(worker: Worker, message: object): void {
    if (this.#worker === worker && worker.child.stdin) writeJsonLine(worker.child.stdin, message);
  }

  #receive(worker: Worker, reply: Reply): void {
    const pending = worker.pending.get(reply.id);
    if (!pending) return;
    if ('spawned' in reply) {
      pending.onSpawn(reply.spawned);
      return;
    }
    worker.pending.delete(reply.id);
    if (worker.pending.size === 0) refWorker(worker, false);
    if ('result' in reply) pending.resolve(reply.result);
    else pending.reject(spawnFailed(pending.file, reply.error.message, reply.error.code));
  }
}

// An idle worker must not keep this process alive; one with runs in flight must.
function refWorker(worker: Worker, ref: boolean): void {
  for (const handle of [
    worker.child,
    worker.child.stdout as Socket | null,
    worker.child.stdin as Socket | null,
  ]) {
    if (ref) handle?.ref();
    else handle?.unref();
  }
}
