import { accessSync, constants, watch } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CgroupMounts } from '../cgroups/cgroup-mounts.ts';
import { readCgroupMounts } from '../cgroups/cgroup-mounts.ts';
import { moveToCgroup } from '../cgroups/move-to-cgroup.ts';
import { readOomKillCount } from '../cgroups/read-oom-kill-count.ts';
import { removeCgroup } from '../cgroups/remove-cgroup.ts';
import { launchConmon } from './conmon.ts';
import { isConmonAlive } from './conmon-alive.ts';
import { type OciSpec, serializeRuntimeSpec } from './oci-spec.ts';
import { type ContainerStats, type ExecResult, Runc, type RuncState } from './runc.ts';
import { RuntimeError } from './runtime-error.ts';
import { type StateLayout, stateLayout } from './state-layout.ts';

export interface ContainerRuntimeOptions {
  /** Holds everything the runtime knows (see StateLayout); the same dir after a restart finds it all again. */
  readonly stateDir: string;
  /** @default `runc` found in PATH or /usr/sbin */
  readonly runcPath?: string;
  /** @default `conmon` found in PATH or /usr/bin */
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
}

export interface CreateOptions {
  /** The directory the spec's relative root.path is relative to (where the rootfs is). */
  readonly bundleDir: string;
  readonly spec: OciSpec;
  /** The container's stdout and stderr, in k8s-file format; its directory is created. */
  readonly logPath: string;
  readonly logSizeMaxBytes?: number;
  /** The image's StopSignal (`SIGQUIT`, `QUIT`, `3`), used by stop(). @default 'SIGTERM' */
  readonly stopSignal?: string;
  readonly signal?: AbortSignal;
}

export type ContainerStatus = 'created' | 'running' | 'stopped' | 'missing';

export interface ContainerInfo {
  readonly id: string;
  readonly status: ContainerStatus;
  /** Host pid of the container's init while it is created or running. */
  readonly pid: number | null;
  /** 128 + signal when killed (137 for SIGKILL); null until stopped, or when no supervisor saw the end. */
  readonly exitCode: number | null;
  /** The kernel's OOM killer killed a process of the container (ECS: OutOfMemoryError). */
  readonly oomKilled: boolean;
  readonly createdAt: Date | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly logPath: string | null;
}

/** A container that ended, as watchExits() reports it. */
export interface ContainerExit {
  readonly id: string;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  readonly finishedAt: Date;
}

interface ContainerRecord {
  readonly createdAt: string;
  readonly logPath: string;
  readonly stopSignal: string;
  readonly bundleDir: string;
  readonly cgroupsPath: string | null;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const SIGNAL = /^(?:(?:SIG)?[A-Z][A-Z0-9+-]*|\d{1,2})$/;
// conmon writes the exit file right after reaping the container; a stopped container without
// one is only this far from having it.
const EXIT_FILE_GRACE_MS = 1_000;
const CONMON_EXIT_TIMEOUT_MS = 2_000;

/**
 * Runs OCI containers with runc, each supervised by its own conmon, which outlives this process.
 * Every fact lives in the state dir, so any number of ContainerRuntime objects, in this process or
 * a later one, see the same containers. Order: create, start, (stop), remove; remove is the only
 * call that deletes anything and is safe in any state.
 */
export class ContainerRuntime {
  readonly stateDir: string;
  readonly #layout: StateLayout;
  readonly #runc: Runc;
  readonly #runcPath: string;
  readonly #conmonPath: string;
  readonly #conmonCgroupPath: string | undefined;
  readonly #now: () => Date;
  #mounts: Promise<CgroupMounts> | undefined;

  constructor(options: ContainerRuntimeOptions) {
    this.stateDir = resolve(options.stateDir);
    this.#layout = stateLayout(this.stateDir);
    this.#runcPath = options.runcPath ?? findExecutable('runc', '/usr/sbin');
    this.#conmonPath = options.conmonPath ?? findExecutable('conmon', '/usr/bin');
    this.#runc = new Runc({ root: this.#layout.runcRoot, runcPath: this.#runcPath });
    this.#conmonCgroupPath = options.conmonCgroupPath;
    this.#now = options.now ?? (() => new Date());
    this.#mounts = options.cgroupMounts ? Promise.resolve(options.cgroupMounts) : undefined;
  }

  /**
   * Creates the container (runc create under conmon): its init waits for start(). Throws
   * ContainerExists, CreateFailed with runc's message (bad rootfs, missing binary ...), or
   * ConmonFailed; a failed create leaves nothing behind.
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
      const spec: OciSpec = {
        ...options.spec,
        root: { ...options.spec.root, path: resolve(options.bundleDir, options.spec.root.path) },
      };
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
    // Written first, so that a crash right after runc start still leaves a start time.
    await writeFile(this.#layout.file(id, 'started'), this.#now().toISOString());
    try {
      await this.#runc.start(id, options);
    } catch (error) {
      await rm(this.#layout.file(id, 'started'), { force: true });
      throw error;
    }
  }

  /**
   * Sends the stop signal (the image's StopSignal, else SIGTERM), waits up to stopTimeoutMs for the
   * container to end, then SIGKILLs it. Resolves with its final state.
   */
  async stop(
    id: string,
    options: { stopTimeoutMs: number; stopSignal?: string; signal?: AbortSignal },
  ): Promise<ContainerInfo> {
    const { stopTimeoutMs, signal } = options;
    const info = await this.inspect(id);
    if (info.status === 'missing') {
      throw new RuntimeError('ContainerNotFound', `Container "${id}" does not exist`, { containerId: id });
    }
    if (info.status === 'stopped') return info;
    const record = await this.#record(id);
    const stopSignal = checkSignal(options.stopSignal ?? record?.stopSignal ?? 'SIGTERM');
    // A created container's init is runc's, waiting to exec: only SIGKILL ends it reliably.
    const first = info.status === 'created' ? 'KILL' : stopSignal;
    await this.#kill(id, first, false, signal);
    if (!(await this.#waitForExit(id, stopTimeoutMs, signal))) {
      await this.#kill(id, 'KILL', await this.#sharesPidNamespace(id), signal);
      await this.#waitForExit(id, 10_000, signal);
    }
    return this.inspect(id);
  }

  /**
   * Removes every trace of the container: kills it if it runs, deletes runc's state and its
   * cgroup, waits for its conmon to exit, and deletes its state. The log file stays (it is the
   * caller's). Unknown ids are fine.
   */
  async remove(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkId(id);
    const { signal } = options;
    const layout = this.#layout;
    const record = await this.#record(id);
    await this.#runc.delete(id, { force: true, ...(signal ? { signal } : {}) });
    const conmonPid = await readNumber(layout.file(id, 'conmon.pid'));
    if (conmonPid !== null) {
      const deadline = performance.now() + CONMON_EXIT_TIMEOUT_MS;
      while ((await isConmonAlive(conmonPid, id)) && performance.now() < deadline) {
        await sleep(10, undefined, signal ? { signal } : {});
      }
      if (await isConmonAlive(conmonPid, id)) process.kill(conmonPid, 'SIGKILL');
    }
    // runc delete removes the container's cgroup; this catches one left by a crash mid-delete.
    if (record?.cgroupsPath) {
      await removeCgroup(await this.#cgroupMounts(), record.cgroupsPath, signal ? { signal } : {});
    }
    await rm(layout.exitFile(id), { force: true });
    await rm(layout.containerDir(id), { recursive: true, force: true });
  }

  /** The container's state, from runc's state, conmon's exit file and the cgroup. */
  async inspect(id: string, options: { signal?: AbortSignal } = {}): Promise<ContainerInfo> {
    checkId(id);
    return this.#describe(id, await this.#runc.state(id, options));
  }

  /** Every container this runtime has on the host, for adoption after a restart. */
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
   * Calls onExit for every container that ends, as conmon writes its exit file (one inotify watch
   * on the exits dir, no polling), and first for every container that ended before the call (while
   * the server was down, too). A container is reported once per watch; callers must be idempotent
   * across watches. Runs until the signal aborts; rejects if the watch or onExit fails.
   */
  async watchExits(
    onExit: (exit: ContainerExit) => void,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return;
    await mkdir(this.#layout.exitsDir, { recursive: true });
    const reported = new Set<string>();
    let failed: (error: unknown) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      failed = reject;
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    const check = async (id: string) => {
      const exit = await this.#exitOf(id);
      if (exit === null) {
        reported.delete(id);
      } else if (!reported.has(id)) {
        reported.add(id);
        onExit(exit);
      }
    };
    const watcher = watch(this.#layout.exitsDir, { persistent: false, ...(signal ? { signal } : {}) });
    watcher.on('change', (_, name) => {
      if (typeof name === 'string' && ID.test(name)) check(name).catch(failed);
    });
    watcher.on('error', failed);
    try {
      // After the watch is in place, so that an exit in between is seen by one or the other.
      for (const name of await readdir(this.#layout.exitsDir)) {
        if (ID.test(name)) await check(name);
      }
      await done;
    } finally {
      watcher.close();
    }
  }

  async #describe(id: string, state: RuncState | null): Promise<ContainerInfo> {
    const layout = this.#layout;
    const record = await this.#record(id);
    let exit = await this.#exitOf(id);
    let status: ContainerStatus;
    if (exit !== null) {
      status = 'stopped';
    } else if (state === null) {
      // Between mkdir and runc create, or a create whose conmon died: nothing runs.
      if (record === null) return missing(id);
      status = (await this.#conmonAlive(id)) ? 'created' : 'stopped';
    } else if (state.status === 'created' || state.status === 'creating') {
      status = 'created';
    } else if (state.status === 'stopped') {
      status = 'stopped';
      if (await this.#conmonAlive(id)) exit = await this.#waitForExitFile(id);
    } else {
      status = 'running';
    }
    const [started, oomKilled] = await Promise.all([
      readFile(layout.file(id, 'started'), 'utf8').catch(() => null),
      exit ? Promise.resolve(exit.oomKilled) : this.#oomKilled(id, record, false),
    ]);
    return {
      id,
      status,
      pid: status === 'stopped' || state === null || state.pid <= 0 ? null : state.pid,
      exitCode: exit?.exitCode ?? null,
      oomKilled,
      createdAt: record ? new Date(record.createdAt) : state ? new Date(state.created) : null,
      startedAt: started ? new Date(started) : null,
      finishedAt: exit?.finishedAt ?? null,
      logPath: record?.logPath ?? null,
    };
  }

  async #exitOf(id: string): Promise<ContainerExit | null> {
    const file = this.#layout.exitFile(id);
    const [text, info, record] = await Promise.all([
      readFile(file, 'utf8').catch(() => null),
      stat(file).catch(() => null),
      this.#record(id),
    ]);
    // conmon writes through a temporary file and a rename: a name without a record is one of those.
    if (text === null || info === null || record === null || !/^-?\d+\s*$/.test(text)) return null;
    return {
      id,
      exitCode: Number(text),
      oomKilled: await this.#oomKilled(id, record, true),
      finishedAt: info.mtime,
    };
  }

  /**
   * The cgroup's oom_kill counter while the cgroup exists (until runc delete); once the container
   * ended it is kept in the state dir. conmon's `oom` file is the last resort: it also fires for
   * a task-wide OOM in which this container lost nothing.
   */
  async #oomKilled(id: string, record: ContainerRecord | null, ended: boolean): Promise<boolean> {
    const kept = this.#layout.file(id, 'oom-killed');
    if ((await readNumber(kept)) !== null) return true;
    const count = record?.cgroupsPath
      ? await readOomKillCount(await this.#cgroupMounts(), record.cgroupsPath)
      : null;
    if (count !== null) {
      if (count > 0 && ended) await writeFile(kept, String(count));
      return count > 0;
    }
    return (
      ended &&
      (await stat(this.#layout.file(id, 'oom')).then(
        () => true,
        () => false,
      ))
    );
  }

  async #waitForExitFile(id: string): Promise<ContainerExit | null> {
    const deadline = performance.now() + EXIT_FILE_GRACE_MS;
    for (;;) {
      const exit = await this.#exitOf(id);
      if (exit !== null || performance.now() >= deadline || !(await this.#conmonAlive(id))) return exit;
      await sleep(5);
    }
  }

  // Resolves true once the exit file is there (or the container is gone without a supervisor to
  // write it), false at the timeout.
  async #waitForExit(id: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal?.addEventListener('abort', stop, { once: true });
    const file = this.#layout.exitFile(id);
    const watcher = watch(this.#layout.exitsDir, { persistent: false, signal: controller.signal });
    try {
      const exited = new Promise<true>((resolve) => {
        watcher.on('change', (_, name) => name === id && resolve(true));
        watcher.on('error', () => {});
      });
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        signal?.throwIfAborted();
        if (
          await stat(file).then(
            () => true,
            () => false,
          )
        )
          return true;
        if (!(await this.#conmonAlive(id)) && (await this.#runc.state(id))?.status !== 'running') return true;
        const waitMs = Math.min(250, deadline - performance.now());
        if (
          await Promise.race([exited, sleep(waitMs, false, { signal: controller.signal }).catch(() => false)])
        ) {
          return true;
        }
      }
      return stat(file).then(
        () => true,
        () => false,
      );
    } finally {
      signal?.removeEventListener('abort', stop);
      controller.abort();
      watcher.close();
    }
  }

  async #kill(id: string, signalName: string, all: boolean, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.#runc.kill(id, signalName, { all, ...(signal ? { signal } : {}) });
    } catch (error) {
      // It ended meanwhile: what stop() wanted.
      if (
        error instanceof RuntimeError &&
        /not running|does not exist|process already finished/.test(error.message)
      )
        return;
      if (error instanceof RuntimeError && error.code === 'ContainerNotFound') return;
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

  async #conmonAlive(id: string): Promise<boolean> {
    const pid = await readNumber(this.#layout.file(id, 'conmon.pid'));
    return pid !== null && isConmonAlive(pid, id);
  }

  async #record(id: string): Promise<ContainerRecord | null> {
    const text = await readFile(this.#layout.file(id, 'container.json'), 'utf8').catch(() => null);
    return text === null ? null : (JSON.parse(text) as ContainerRecord);
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

async function readNumber(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  const value = text === null ? Number.NaN : Number(text.trim());
  return Number.isFinite(value) && text?.trim() !== '' ? value : null;
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
