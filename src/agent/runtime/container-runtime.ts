import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CgroupMounts, readCgroupMounts } from '../cgroups/cgroup-mounts.ts';
import { moveToCgroup } from '../cgroups/move-to-cgroup.ts';
import { removeCgroup } from '../cgroups/remove-cgroup.ts';
import { DirectRunner } from '../process/direct-runner.ts';
import type { ProcessRunner } from '../process/process-runner.ts';
import { launchConmon } from './conmon.ts';
import { isConmonAlive } from './conmon-alive.ts';
import { ContainerFiles, type ContainerRecord } from './container-files.ts';
import type { ContainerExit, ContainerInfo, ContainerStatus } from './container-info.ts';
import { startThroughExecFifo } from './exec-fifo.ts';
import { type OciSpec, serializeRuntimeSpec } from './oci-spec.ts';
import { type ContainerStats, type ExecResult, Runc, type RuncState } from './runc.ts';
import { RuntimeError } from './runtime-error.ts';
import { signalInit } from './signal-init.ts';
import { type StateLayout, stateLayout } from './state-layout.ts';
import { waitForExit } from './wait-for-exit.ts';
import { watchExits } from './watch-exits.ts';

export interface ContainerRuntimeOptions {
  /** Holds everything the runtime knows (see StateLayout); the same dir after a restart finds it all again. */
  readonly stateDir: string;
  /** @default `runc` from PATH, else /usr/sbin/runc */
  readonly runcPath?: string;
  /** @default `conmon` from PATH, else /usr/bin/conmon */
  readonly conmonPath?: string;
  /** @default read from /proc/self/mountinfo on first use */
  readonly cgroupMounts?: CgroupMounts;
  /**
   * A cgroup to move each conmon into before it creates its container, so that stopping the
   * server's own cgroup (a systemd unit) does not kill the supervisors. Absent: conmon stays in
   * the server's cgroups.
   */
  readonly conmonCgroupPath?: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Spawns runc and conmon. @default spawns from this process */
  readonly runner?: ProcessRunner;
}

export interface CreateOptions {
  /** The directory the spec's relative root.path is relative to (where the rootfs is). */
  readonly bundleDir: string;
  readonly spec: OciSpec;
  /** The container's stdout and stderr, in k8s-file format; its directory is created. */
  readonly logPath: string;
  /** conmon truncates the log past this size. @default no limit */
  readonly logSizeMaxBytes?: number;
  /** The image's StopSignal (`SIGQUIT`, `QUIT`, `3`), used by stop(). @default 'SIGTERM' */
  readonly stopSignal?: string;
  readonly signal?: AbortSignal;
}

export interface StopOptions {
  /** How long the container has to end after the stop signal, before SIGKILL. */
  readonly stopTimeoutMs: number;
  /** @default the stopSignal given to create(), else 'SIGTERM' */
  readonly stopSignal?: string;
  readonly signal?: AbortSignal;
}

export type { ContainerExit, ContainerInfo, ContainerStatus } from './container-info.ts';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const SIGNAL = /^(?:(?:SIG)?[A-Z][A-Z0-9+-]*|\d{1,2})$/;
// conmon writes the exit file after reaping the container, draining its output and syncing the
// log: a stopped container whose conmon still lives is at most this far from having it.
const EXIT_FILE_GRACE_MS = 5_000;
const CONMON_EXIT_TIMEOUT_MS = 2_000;
const KILL_TIMEOUT_MS = 10_000;

/**
 * Runs OCI containers with runc, each supervised by its own conmon, which outlives this process.
 * Every fact lives in the state dir, so any ContainerRuntime on it, in this process or a later one,
 * sees the same containers. Order: create, start, (stop), remove; remove is the only call that
 * deletes anything, and is safe in any state.
 */
export class ContainerRuntime {
  readonly stateDir: string;
  readonly #layout: StateLayout;
  readonly #files: ContainerFiles;
  readonly #runc: Runc;
  readonly #runcPath: string;
  readonly #conmonPath: string;
  readonly #conmonCgroupPath: string | undefined;
  readonly #runner: ProcessRunner;
  readonly #now: () => Date;
  #mounts: Promise<CgroupMounts> | undefined;

  constructor(options: ContainerRuntimeOptions) {
    this.stateDir = resolve(options.stateDir);
    this.#layout = stateLayout(this.stateDir);
    this.#files = new ContainerFiles(this.#layout, () => this.#cgroupMounts());
    this.#runcPath = options.runcPath ?? findExecutable('runc', '/usr/sbin');
    this.#conmonPath = options.conmonPath ?? findExecutable('conmon', '/usr/bin');
    this.#runner = options.runner ?? new DirectRunner();
    this.#runc = new Runc({ root: this.#layout.runcRoot, runcPath: this.#runcPath, runner: this.#runner });
    this.#conmonCgroupPath = options.conmonCgroupPath;
    this.#now = options.now ?? (() => new Date());
    this.#mounts = options.cgroupMounts ? Promise.resolve(options.cgroupMounts) : undefined;
  }

  /**
   * Creates the container (runc create under conmon); its process waits for start(). Throws
   * ContainerExists, CreateFailed with runc's message (bad rootfs, missing binary, rlimit refused
   * ...) or ConmonFailed; a failed create leaves nothing behind.
   */
  async create(id: string, options: CreateOptions): Promise<{ pid: number }> {
    checkId(id);
    const stopSignal = checkSignal(options.stopSignal ?? 'SIGTERM');
    const layout = this.#layout;
    await Promise.all([
      mkdir(layout.containersDir, { recursive: true }),
      mkdir(layout.exitsDir, { recursive: true }),
      mkdir(layout.runcRoot, { recursive: true }),
      mkdir(dirname(options.logPath), { recursive: true }),
    ]);
    try {
      await mkdir(layout.containerDir(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new RuntimeError('ContainerExists', `Container "${id}" already exists`, { containerId: id });
      }
      throw error;
    }
    try {
      // The bundle runc sees is the container's state dir, so root.path must not be relative.
      const root = { ...options.spec.root, path: resolve(options.bundleDir, options.spec.root.path) };
      const spec: OciSpec = { ...options.spec, root };
      const record: ContainerRecord = {
        createdAt: this.#now().toISOString(),
        logPath: resolve(options.logPath),
        stopSignal,
        bundleDir: resolve(options.bundleDir),
        cgroupsPath: spec.linux.cgroupsPath ?? null,
      };
      await Promise.all([
        writeFile(layout.file(id, 'config.json'), serializeRuntimeSpec(spec)),
        writeFile(layout.file(id, 'container.json'), JSON.stringify(record)),
        rm(layout.exitFile(id), { force: true }),
      ]);
      const conmonCgroupPath = this.#conmonCgroupPath;
      const launched = await launchConmon({
        conmonPath: this.#conmonPath,
        runcPath: this.#runcPath,
        runcRoot: layout.runcRoot,
        containerId: id,
        bundleDir: layout.containerDir(id),
        persistDir: layout.containerDir(id),
        exitDir: layout.exitsDir,
        logPath: record.logPath,
        conmonPidFile: layout.file(id, 'conmon.pid'),
        containerPidFile: layout.file(id, 'pid'),
        runner: this.#runner,
        ...(options.logSizeMaxBytes === undefined ? {} : { logSizeMaxBytes: options.logSizeMaxBytes }),
        ...(conmonCgroupPath === undefined
          ? {}
          : {
              beforeStart: async (pid: number) =>
                moveToCgroup(await this.#cgroupMounts(), conmonCgroupPath, pid),
            }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { pid: launched.containerPid };
    } catch (error) {
      await this.remove(id).catch(() => {});
      throw error;
    }
  }

  /** Starts the user process of a created container. */
  async start(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkId(id);
    // Written first, so that a crash right after the start still leaves a start time.
    await writeFile(this.#layout.file(id, 'started'), this.#now().toISOString());
    try {
      // The pid file is read only when init is slow to write its byte, not on the usual start.
      const alive = async () => {
        const pid = await this.#files.containerPid(id);
        return pid !== null && processExists(pid);
      };
      const { runcRoot } = this.#layout;
      if (!(await startThroughExecFifo(runcRoot, id, alive, options.signal)))
        await this.#runc.start(id, options);
    } catch (error) {
      await rm(this.#layout.file(id, 'started'), { force: true });
      throw error;
    }
  }

  /**
   * Sends the stop signal, waits up to stopTimeoutMs for the container to end, then SIGKILLs it
   * (every process of its cgroup when it shares another's pid namespace). Resolves with its final
   * state; a stopped container is left as it is.
   */
  async stop(id: string, options: StopOptions): Promise<ContainerInfo> {
    const { stopTimeoutMs, signal } = options;
    const info = await this.inspect(id);
    if (info.status === 'missing') {
      throw new RuntimeError('ContainerNotFound', `Container "${id}" does not exist`, { containerId: id });
    }
    if (info.status === 'stopped') return info;
    const record = await this.#files.record(id);
    const stopSignal = checkSignal(options.stopSignal ?? record?.stopSignal ?? 'SIGTERM');
    // A created container's process is still runc's init, waiting to exec: only SIGKILL ends it.
    await this.#kill(id, info.status === 'created' ? 'KILL' : stopSignal, false, signal);
    if (!(await this.#waitForExit(id, stopTimeoutMs, signal))) {
      await this.#kill(id, 'KILL', await this.#sharesPidNamespace(id), signal);
      await this.#waitForExit(id, KILL_TIMEOUT_MS, signal);
    }
    return this.inspect(id);
  }

  /**
   * Removes every trace of the container: kills it if it runs, deletes runc's state and the
   * container's cgroup, waits for its conmon to exit, and deletes its state. The log file stays
   * (it is the caller's). Unknown ids are fine.
   */
  async remove(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkId(id);
    const { signal } = options;
    const abortable = signal ? { signal } : {};
    const record = await this.#files.record(id);
    await this.#runc.delete(id, { force: true, ...abortable });
    const conmonPid = await this.#files.conmonPid(id);
    if (conmonPid !== null) {
      const deadline = performance.now() + CONMON_EXIT_TIMEOUT_MS;
      while ((await isConmonAlive(conmonPid, id)) && performance.now() < deadline) {
        await sleep(10, undefined, abortable);
      }
      if (await isConmonAlive(conmonPid, id)) process.kill(conmonPid, 'SIGKILL');
    }
    // runc delete removes the container's cgroup; this catches one left by a crash mid-delete.
    if (record?.cgroupsPath) await removeCgroup(await this.#cgroupMounts(), record.cgroupsPath, abortable);
    await rm(this.#layout.exitFile(id), { force: true });
    await rm(this.#layout.containerDir(id), { recursive: true, force: true });
  }

  /** The container's state, from runc's state, conmon's exit file and the cgroup. */
  async inspect(id: string, options: { signal?: AbortSignal } = {}): Promise<ContainerInfo> {
    checkId(id);
    // Most states show in conmon's files; asking runc costs a process, which hundreds of tasks
    // observed at once cannot afford. An exit file means stopped; a started container whose
    // conmon lives is running (its exit file comes when it ends).
    const files = this.#files;
    const [ended, startedAt, record] = await Promise.all([
      files.hasExitFile(id),
      files.startedAt(id),
      files.record(id),
    ]);
    if (ended) return this.#describe(id, null);
    if (record === null && !existsSync(join(this.#layout.runcRoot, id))) return missing(id);
    if (startedAt !== null && record !== null && (await files.conmonAlive(id))) {
      const pid = await files.containerPid(id);
      if (pid !== null) {
        return this.#describe(id, {
          id,
          pid,
          status: 'running',
          bundle: record.bundleDir,
          created: new Date(record.createdAt).toISOString(),
        });
      }
    }
    // Its conmon may have written the exit file and ended since the first read.
    if (await files.hasExitFile(id)) return this.#describe(id, null);
    return this.#describe(id, await this.#runc.state(id, options));
  }

  /**
   * The ids of every container this runtime has state for, from its directories alone: no
   * process, and no race with containers being deleted meanwhile (runc list fails on those).
   */
  async ids(): Promise<string[]> {
    const names = await Promise.all(
      [this.#layout.containersDir, this.#layout.runcRoot, this.#layout.exitsDir].map((dir) =>
        readdir(dir).catch(() => [] as string[]),
      ),
    );
    return [...new Set(names.flat())].filter((name) => ID.test(name)).sort();
  }

  /** Every container of this runtime on the host, for adoption after a restart: one runc call. */
  async list(options: { signal?: AbortSignal } = {}): Promise<ContainerInfo[]> {
    const states = new Map((await this.#runc.list(options)).map((state) => [state.id, state]));
    const ids = new Set(states.keys());
    for (const name of await readdir(this.#layout.containersDir).catch(() => [])) {
      if (ID.test(name)) ids.add(name);
    }
    return Promise.all([...ids].sort().map((id) => this.#describe(id, states.get(id) ?? null)));
  }

  /** Runs a command inside the running container (health checks); see Runc.exec. */
  exec(
    id: string,
    args: readonly string[],
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    checkId(id);
    return this.#runc.exec(id, args, options);
  }

  /** One sample of the container's cpu, memory and pids use. */
  stats(id: string, options: { signal?: AbortSignal } = {}): Promise<ContainerStats> {
    checkId(id);
    return this.#runc.stats(id, options);
  }

  /**
   * Calls onExit for each container that ends, as it ends, and first for each that ended before
   * (while the server was down, too): one inotify watch, no polling. Callers must be idempotent
   * across calls. Runs until the signal aborts.
   */
  watchExits(onExit: (exit: ContainerExit) => void, options: { signal?: AbortSignal } = {}): Promise<void> {
    return watchExits(this.#files, onExit, options);
  }

  async #describe(id: string, state: RuncState | null): Promise<ContainerInfo> {
    const files = this.#files;
    const record = await files.record(id);
    let exit = await files.exit(id);
    let status: ContainerStatus;
    if (exit !== null) {
      status = 'stopped';
    } else if (state === null) {
      // Between mkdir and runc create, or a create whose conmon died: nothing runs.
      if (record === null) return missing(id);
      status = (await files.conmonAlive(id)) ? 'created' : 'stopped';
      // Its conmon may have written the exit file and ended since the first read.
      if (status === 'stopped') exit = await files.exit(id);
    } else if (state.status === 'created' || state.status === 'creating') {
      status = 'created';
    } else if (state.status === 'stopped') {
      status = 'stopped';
      exit = await this.#waitForExitFile(id);
    } else {
      status = 'running';
    }
    const [startedAt, oomKilled] = await Promise.all([
      files.startedAt(id),
      exit ? exit.oomKilled : files.oomKilled(id, record, false),
    ]);
    return {
      id,
      status,
      pid: status === 'stopped' || state === null || state.pid <= 0 ? null : state.pid,
      exitCode: exit?.exitCode ?? null,
      oomKilled,
      createdAt: record ? new Date(record.createdAt) : state ? new Date(state.created) : null,
      startedAt,
      finishedAt: exit?.finishedAt ?? null,
      logPath: record?.logPath ?? null,
    };
  }

  // While conmon lives it is about to write the exit file; once it is gone, one last read tells.
  async #waitForExitFile(id: string): Promise<ContainerExit | null> {
    const deadline = performance.now() + EXIT_FILE_GRACE_MS;
    for (;;) {
      const alive = await this.#files.conmonAlive(id);
      const exit = await this.#files.exit(id);
      if (exit !== null || !alive || performance.now() >= deadline) return exit;
      await sleep(5);
    }
  }

  #waitForExit(id: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    return waitForExit({
      exitsDir: this.#layout.exitsDir,
      id,
      timeoutMs,
      gone: async () => {
        if (await this.#files.conmonAlive(id)) return false;
        // conmon writes the exit file before it ends: it may have done both since the last look,
        // as dozens of containers stopped at once do, and then no runc process is needed.
        if (await this.#files.hasExitFile(id)) return true;
        // Without its conmon nobody writes the exit file: runc's word is all there is.
        return (await this.#runc.state(id))?.status !== 'running';
      },
      ...(signal ? { signal } : {}),
    });
  }

  async #kill(id: string, signalName: string, all: boolean, signal: AbortSignal | undefined): Promise<void> {
    if (!all) {
      const [pid, record] = await Promise.all([this.#files.containerPid(id), this.#files.record(id)]);
      if ((await signalInit(pid, record?.cgroupsPath ?? null, signalName)) !== 'unverified') return;
    }
    try {
      await this.#runc.kill(id, signalName, { all, ...(signal ? { signal } : {}) });
    } catch (error) {
      // It ended meanwhile: what stop() wanted.
      if (error instanceof RuntimeError && error.code === 'ContainerNotFound') return;
      if (error instanceof RuntimeError && /not running|process already finished/.test(error.message)) return;
      throw error;
    }
  }

  async #sharesPidNamespace(id: string): Promise<boolean> {
    const text = await readFile(this.#layout.file(id, 'config.json'), 'utf8').catch(() => null);
    if (text === null) return false;
    const spec = JSON.parse(text) as OciSpec;
    return spec.linux.namespaces.some(
      (namespace) => namespace.type === 'pid' && namespace.path !== undefined,
    );
  }

  #cgroupMounts(): Promise<CgroupMounts> {
    this.#mounts ??= readCgroupMounts();
    return this.#mounts;
  }
}

function missing(id: string): ContainerInfo {
  return {
    id,
    status: 'missing',
    pid: null,
    exitCode: null,
    oomKilled: false,
    createdAt: null,
    startedAt: null,
    finishedAt: null,
    logPath: null,
  };
}

function checkId(id: string): string {
  if (!ID.test(id))
    throw new RangeError(`Container id "${id}" must be 1 to 128 letters, digits, "_", "." or "-"`);
  return id;
}

function checkSignal(name: string): string {
  if (!SIGNAL.test(name)) throw new RangeError(`Stop signal "${name}" is not a signal name or number`);
  return name;
}

function findExecutable(name: string, fallbackDir: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), fallbackDir]) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return join(fallbackDir, name);
}

/** Whether a process of this pid exists (a zombie too, for the moment its parent takes to reap it). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
