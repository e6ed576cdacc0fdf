import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectRunner } from '../process/direct-runner.ts';
import type { ProcessResult, ProcessRunner } from '../process/process-runner.ts';
import { RuntimeError } from './runtime-error.ts';

export interface RuncOptions {
  /** runc's state directory (`--root`); conmon must be given the same one. */
  readonly root: string;
  /** @default 'runc' */
  readonly runcPath?: string;
  /** @default spawns from this process */
  readonly runner?: ProcessRunner;
}

/** `runc state` of one container. */
export interface RuncState {
  readonly id: string;
  /** Host pid of the container's init; 0 once stopped. */
  readonly pid: number;
  readonly status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  readonly bundle: string;
  /** When `runc create` made it (RFC 3339). */
  readonly created: string;
}

export interface ExecOptions {
  /** Kill the command (SIGKILL) after this long. */
  readonly timeoutMs: number;
  /** Output kept, stdout and stderr each (Docker keeps 4 KiB of a health check's). @default 4096 */
  readonly maxOutputBytes?: number;
  readonly signal?: AbortSignal;
}

export interface ExecResult {
  /** 137 when it was killed at the timeout. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** CPU, memory, pids and block I/O use of a container's cgroup, from `runc events --stats`. */
export interface ContainerStats {
  readonly cpu: {
    readonly totalNs: number;
    readonly userNs: number;
    readonly kernelNs: number;
    /** Empty on cgroup v2, which keeps no per-cpu usage. */
    readonly perCpuNs: readonly number[];
    readonly periods: number;
    readonly throttledPeriods: number;
    readonly throttledTimeNs: number;
  };
  readonly memory: {
    readonly usageBytes: number;
    readonly maxUsageBytes: number;
    /** Null when unlimited. */
    readonly limitBytes: number | null;
    /** Page cache that can be reclaimed: what `docker stats` subtracts from usage. */
    readonly inactiveFileBytes: number;
    readonly failCount: number;
    /** memory.stat as the kernel words it (v1: `cache`, `rss`, `total_rss`...; v2: `anon`, `file`...). */
    readonly raw: Readonly<Record<string, number>>;
  };
  readonly pids: { readonly current: number; readonly limit: number | null };
  /** Block I/O entries per kind (`ioServiceBytesRecursive` ...), as runc reads them. */
  readonly blkio: Readonly<Record<string, readonly BlkioEntry[]>>;
}

/** One line of a blkio (v1) or io.stat (v2) counter. */
export interface BlkioEntry {
  readonly major: number;
  readonly minor: number;
  readonly op: string;
  readonly value: number;
}

// Limits at or past this are the kernel's "unlimited" (v1 prints 2^63 rounded down to a page).
const UNLIMITED = 2 ** 62;

/** The runc command line, with a fixed `--root`. Each call is one runc process. */
export class Runc {
  readonly root: string;
  readonly runcPath: string;
  readonly #runner: ProcessRunner;

  constructor({ root, runcPath = 'runc', runner = new DirectRunner() }: RuncOptions) {
    this.root = root;
    this.runcPath = runcPath;
    this.#runner = runner;
  }

  /** The container's state, or null when runc does not know it. */
  async state(id: string, options: { signal?: AbortSignal } = {}): Promise<RuncState | null> {
    const result = await this.#run(['state', id], options);
    if (result.exitCode !== 0) {
      if (isNotFound(result)) return null;
      throw this.#error(id, 'state', result);
    }
    return JSON.parse(result.stdout) as RuncState;
  }

  /** Every container in this root. */
  async list(options: { signal?: AbortSignal } = {}): Promise<RuncState[]> {
    const result = await this.#check(undefined, ['list', '--format', 'json'], options);
    return (JSON.parse(result.stdout) as RuncState[] | null) ?? [];
  }

  /** Runs the user process of a created container. */
  async start(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#check(id, ['start', id], options);
  }

  /**
   * Sends a signal (`TERM`, `SIGKILL`, `15` ...) to the container's init, or with `all` to every
   * process of its cgroup (needed when it shares another container's pid namespace).
   */
  async kill(
    id: string,
    signalName: string,
    options: { all?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.#check(id, ['kill', ...(options.all ? ['--all'] : []), id, signalName], options);
  }

  /** Deletes the container's state and cgroup; `force` kills it first if it runs. Unknown ids are fine. */
  async delete(id: string, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    const result = await this.#run(['delete', ...(options.force ? ['--force'] : []), id], options);
    if (result.exitCode !== 0 && !isNotFound(result)) throw this.#error(id, 'delete', result);
  }

  /**
   * Runs a command in a running container, as its user, environment and working directory, and
   * kills it at the timeout (health checks: the caller builds CMD or CMD-SHELL arguments).
   */
  async exec(id: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const { timeoutMs, maxOutputBytes = 4096, signal } = options;
    const pidFile = join(tmpdir(), `neargate-exec-${randomUUID()}.pid`);
    let runcPid = 0;
    let timedOut = false;
    const timer = setTimeout(async () => {
      timedOut = true;
      // The command, not runc: runc cannot pass SIGKILL on, and exits with the command's status.
      // runc itself only when it has not started the command yet. Never pid 0: our process group.
      const commandPid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      const target = commandPid > 0 ? commandPid : runcPid;
      try {
        if (target > 0) process.kill(target, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }, timeoutMs);
    try {
      const result = await this.#runner.run(
        this.runcPath,
        this.#args(['exec', '--pid-file', pidFile, id, ...args]),
        {
          maxOutputBytes,
          onSpawn: (pid) => {
            runcPid = pid;
          },
          ...(signal ? { signal } : {}),
        },
      );
      // runc's own failures exit 255 with a log line; a command that cannot be started is the
      // command's failure (the health check fails), a container that is not running is the caller's.
      if (result.exitCode === 255 && /level=(?:error|fatal) msg=/.test(result.stderr)) {
        if (isNotFound(result)) throw this.#error(id, 'exec', result);
        if (/stopped container|not running|container is paused/.test(result.stderr)) {
          throw new RuntimeError('ContainerNotRunning', `Container "${id}" is not running`, {
            containerId: id,
          });
        }
        return { exitCode: 255, stdout: result.stdout, stderr: runcMessage(result.stderr), timedOut };
      }
      const exitCode = result.exitCode ?? 128 + signalNumber(result.signal);
      return { exitCode: timedOut ? 137 : exitCode, stdout: result.stdout, stderr: result.stderr, timedOut };
    } finally {
      clearTimeout(timer);
      await rm(pidFile, { force: true });
    }
  }

  /** One sample of the container's resource use. */
  async stats(id: string, options: { signal?: AbortSignal } = {}): Promise<ContainerStats> {
    const result = await this.#check(id, ['events', '--stats', id], options);
    return parseRuncStats(JSON.parse(result.stdout));
  }

  #args(args: readonly string[]): string[] {
    return ['--root', this.root, ...args];
  }

  #run(args: readonly string[], options: { signal?: AbortSignal }): Promise<ProcessResult> {
    return this.#runner.run(
      this.runcPath,
      this.#args(args),
      options.signal ? { signal: options.signal } : {},
    );
  }

  async #check(id: string | undefined, args: readonly string[], options: { signal?: AbortSignal }) {
    const result = await this.#run(args, options);
    if (result.exitCode !== 0) throw this.#error(id, args[0] ?? '', result);
    return result;
  }

  #error(id: string | undefined, command: string, result: ProcessResult): RuntimeError {
    const message = runcMessage(result.stderr);
    const options = id === undefined ? {} : { containerId: id };
    if (isNotFound(result)) {
      return new RuntimeError('ContainerNotFound', `Container "${id}" does not exist`, options);
    }
    return new RuntimeError('RuncFailed', `runc ${command} failed: ${message}`, options);
  }
}

/** The message of runc's logrus line (`time=... level=error msg="..."`), or the text as it is. */
export function runcMessage(stderr: string): string {
  const messages = [...stderr.matchAll(/level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"/g)].map((match) =>
    (match[1] ?? '').replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char)),
  );
  return messages.length > 0 ? messages.join('; ') : stderr.trim() || 'no error message';
}

function isNotFound(result: ProcessResult): boolean {
  return /container does not exist|container .* does not exist/.test(result.stderr);
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : constants.signals[signal];
}

/** Maps the JSON of `runc events --stats` (v1 and v2 print the same shape). */
export function parseRuncStats(event: unknown): ContainerStats {
  // biome-ignore lint/suspicious/noExplicitAny: runc's JSON, read defensively field by field.
  const data = (event as { data?: any }).data ?? {};
  const num = (value: unknown) => (typeof value === 'number' ? value : 0);
  const limit = (value: unknown) =>
    typeof value === 'number' && value > 0 && value < UNLIMITED ? value : null;
  const raw = data.memory?.raw ?? {};
  const blkio: Record<string, BlkioEntry[]> = {};
  for (const [kind, entries] of Object.entries(data.blkio ?? {})) {
    if (!Array.isArray(entries)) continue;
    blkio[kind] = entries.map((e: Record<string, unknown>) => ({
      major: num(e.major),
      minor: num(e.minor),
      op: typeof e.op === 'string' ? e.op : '',
      value: num(e.value),
    }));
  }
  return {
    cpu: {
      totalNs: num(data.cpu?.usage?.total),
      userNs: num(data.cpu?.usage?.user),
      kernelNs: num(data.cpu?.usage?.kernel),
      perCpuNs: Array.isArray(data.cpu?.usage?.percpu) ? data.cpu.usage.percpu.map(num) : [],
      periods: num(data.cpu?.throttling?.periods),
      throttledPeriods: num(data.cpu?.throttling?.throttled_periods),
      throttledTimeNs: num(data.cpu?.throttling?.throttled_time),
    },
    memory: {
      usageBytes: num(data.memory?.usage?.usage),
      maxUsageBytes: num(data.memory?.usage?.max),
      limitBytes: limit(data.memory?.usage?.limit),
      inactiveFileBytes: num(raw.total_inactive_file ?? raw.inactive_file),
      failCount: num(data.memory?.usage?.failcnt),
      raw: Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'number')) as Record<
        string,
        number
      >,
    },
    pids: { current: num(data.pids?.current), limit: limit(data.pids?.limit) },
    blkio,
  };
}
