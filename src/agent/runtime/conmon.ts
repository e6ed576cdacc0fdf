import { readFile } from 'node:fs/promises';
import { DirectRunner } from '../process/direct-runner.ts';
import { ProcessError } from '../process/process-error.ts';
import type { ProcessResult, ProcessRunner } from '../process/process-runner.ts';
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
  /** Spawns conmon; a WorkerRunner's worker is not its parent for long either. @default spawns from this process */
  readonly runner?: ProcessRunner;
  readonly signal?: AbortSignal;
}

export interface ConmonLaunch {
  /** The conmon that supervises the container (the daemonised child, not the one spawned). */
  readonly conmonPid: number;
  /** Host pid of the container's init, waiting in `runc create` state to be started. */
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
 * runc's error (`{"data": -1, "message": "<runc stderr>"}`). The caller then starts it (ContainerRuntime.start).
 * An abort kills the spawned conmon; had it forked its daemon already, the container may still
 * appear, for remove() to clear.
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
  const { beforeStart } = options;
  const runner = options.runner ?? new DirectRunner();
  const fail = (message: string, cause?: unknown) =>
    new RuntimeError('ConmonFailed', message, { containerId, cause });
  let result: ProcessResult;
  try {
    result = await runner.run(options.conmonPath, args, {
      cwd: options.persistDir,
      detached: true,
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        _OCI_SYNCPIPE: String(SYNC_FD),
        ...(beforeStart ? { _OCI_STARTPIPE: String(START_FD) } : {}),
      },
      syncPipeFd: SYNC_FD,
      // conmon waits on its start pipe before it forks anything.
      ...(beforeStart && { startPipe: { fd: START_FD, beforeStart } }),
      ...(signal && { signal }),
    });
  } catch (error) {
    // An abort or a failed beforeStart, too: conmon failed to create the container.
    if (error instanceof ProcessError) throw fail(`Cannot run conmon: ${error.message}`, error);
    throw fail(`conmon failed: ${(error as Error).message}`, error);
  }
  // The spawned conmon has exited; its daemon child reported on the sync pipe, or died.
  const line = result.syncLine ?? null;
  if (line === null) {
    throw fail(
      `conmon exited (status ${result.exitCode}) without reporting: ${result.stderr.trim() || 'no message'}`,
    );
  }
  let message: { data?: number; message?: string };
  try {
    message = JSON.parse(line) as typeof message;
  } catch (error) {
    throw fail(`conmon failed: ${(error as Error).message}`, error);
  }
  if (typeof message.data !== 'number' || message.data <= 0) {
    throw new RuntimeError('CreateFailed', runcMessage(message.message ?? ''), { containerId });
  }
  try {
    const conmonPid = Number((await readFile(options.conmonPidFile, 'utf8')).trim());
    return { conmonPid, containerPid: message.data };
  } catch (error) {
    throw fail(`conmon failed: ${(error as Error).message}`, error);
  }
}
