import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { runcMessage } from './runc.ts';
import { RuntimeError } from './runtime-error.ts';

export interface ConmonLaunchOptions {
  readonly conmonPath: string;
  readonly runcPath: string;
  /** runc's `--root`, the same as every other runc call uses: conmon runs `runc create` itself. */
  readonly runcRoot: string;
  readonly containerId: string;
  /** Holds config.json; conmon also puts its attach socket and ctl/winsz fifos there. */
  readonly bundleDir: string;
  /** conmon's cwd and persist dir: it writes `exit` (the exit status) and `oom` there. */
  readonly persistDir: string;
  /** conmon writes `<exitDir>/<containerId>` with the exit status when the container ends. */
  readonly exitDir: string;
  /** The k8s-file log: `<RFC 3339 time> stdout|stderr F|P <text>` per line. */
  readonly logPath: string;
  /** conmon truncates the log when it passes this size. */
  readonly logSizeMaxBytes?: number;
  readonly conmonPidFile: string;
  readonly containerPidFile: string;
  /**
   * Runs while conmon waits on its start pipe, before it forks anything, with its pid: the place
   * to move it into another cgroup (its container and runc are then created from there).
   */
  readonly beforeStart?: (conmonPid: number) => Promise<void>;
  readonly signal?: AbortSignal;
}

export interface ConmonLaunch {
  /** The conmon that supervises the container (the daemonised child, not the one spawned). */
  readonly conmonPid: number;
  /** Host pid of the container's init, waiting in `runc create` state for `runc start`. */
  readonly containerPid: number;
}

// conmon's sync and start pipes are the file descriptors named in its environment.
const SYNC_FD = 3;
const START_FD = 4;

/**
 * Creates a container under conmon (API version 1). conmon double-forks and calls setsid, so it
 * and the container belong to neither the caller's process group nor its session and outlive it;
 * it holds the container's stdio, writes the log, and records the exit status. Resolves once
 * `runc create` succeeded, as conmon reports on the sync pipe (`{"data": <pid>}`), or rejects with
 * runc's error (`{"data": -1, "message": "<runc stderr>"}`). The caller then runs `runc start`.
 * An abort stops the waiting, not conmon: the container may still appear, for remove() to clear.
 */
export async function launchConmon(options: ConmonLaunchOptions): Promise<ConmonLaunch> {
  const { containerId, signal } = options;
  signal?.throwIfAborted();
  const args = [
    '--api-version',
    '1',
    '--cid',
    containerId,
    '--cuuid',
    containerId,
    '--name',
    containerId,
    '--runtime',
    options.runcPath,
    `--runtime-arg=--root=${options.runcRoot}`,
    '--bundle',
    options.bundleDir,
    '--persist-dir',
    options.persistDir,
    '--exit-dir',
    options.exitDir,
    '--container-pidfile',
    options.containerPidFile,
    '--conmon-pidfile',
    options.conmonPidFile,
    '--log-path',
    `k8s-file:${options.logPath}`,
    ...(options.logSizeMaxBytes === undefined ? [] : ['--log-size-max', String(options.logSizeMaxBytes)]),
    // The attach socket goes in the bundle directory, not in a shared socket directory.
    '--full-attach',
  ];
  const withStartPipe = options.beforeStart !== undefined;
  const child = spawn(options.conmonPath, args, {
    cwd: options.persistDir,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      _OCI_SYNCPIPE: String(SYNC_FD),
      ...(withStartPipe ? { _OCI_STARTPIPE: String(START_FD) } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', ...(withStartPipe ? (['pipe'] as const) : [])],
  });
  child.unref();
  const syncPipe = child.stdio[SYNC_FD] as Readable;
  const stderr = readAll(child.stderr!);
  const report = readFirstLine(syncPipe);
  // The spawned conmon writes the pid file of its daemon child, then exits.
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('exit', (code) => resolve({ code }));
  });
  const fail = (message: string, cause?: unknown) =>
    new RuntimeError('ConmonFailed', message, { containerId, cause });
  try {
    if (withStartPipe) {
      try {
        await Promise.race([options.beforeStart!(child.pid!), exited]);
      } catch (error) {
        // It still waits on the start pipe, before any fork: closing the pipe would let it go on.
        child.kill('SIGKILL');
        throw error;
      }
      (child.stdio[START_FD] as Writable).end('0');
    }
    const line = await abortable(report, signal);
    const { code, error } = await exited;
    if (error) throw fail(`Cannot run conmon: ${error.message}`, error);
    if (line === null) {
      throw fail(
        `conmon exited (status ${code}) without reporting: ${(await stderr).trim() || 'no message'}`,
      );
    }
    const message = JSON.parse(line) as { data?: number; message?: string };
    if (typeof message.data !== 'number' || message.data <= 0) {
      throw new RuntimeError('CreateFailed', runcMessage(message.message ?? ''), { containerId });
    }
    const conmonPid = Number((await readFile(options.conmonPidFile, 'utf8')).trim());
    return { conmonPid, containerPid: message.data };
  } catch (error) {
    if (error instanceof RuntimeError) throw error;
    throw fail(`conmon failed: ${(error as Error).message}`, error);
  } finally {
    syncPipe.destroy();
  }
}

function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.once('close', () => resolve(text));
    stream.once('error', () => resolve(text));
  });
}

// conmon writes one JSON object and a newline per message.
function readFirstLine(stream: Readable): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    stream.once('close', () => resolve(text.trim() === '' ? null : text.trim()));
    stream.once('error', () => resolve(null));
  });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
