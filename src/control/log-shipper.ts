import type { Logger } from 'pino';
import type { HostAgent, LogPosition } from '../agent/host-agent.ts';
import { rootPrincipal } from '../core/arn.ts';
import type { Clock } from '../core/clock.ts';
import { effectiveContainers } from '../core/ecs/container-overrides.ts';
import type { ContainerDef } from '../core/ecs/task-definition.ts';
import { AwslogsOptionsError } from '../core/logs/awslogs-options.ts';
import { assembleEvents } from '../core/logs/log-line-events.ts';
import { listSettings } from '../store/account-settings.ts';
import { getLogCursor, putLogCursor } from '../store/log-cursors.ts';
import { appendLogEvents } from '../store/log-ingest.ts';
import type { Store } from '../store/store.ts';
import { activeTasksOnHost, getTaskById, type ScopedTask } from '../store/tasks.ts';
import { ensureDestination, type LogDestination, logDestination, shipsLog } from './log-destination.ts';

export interface LogShipperOptions {
  store: Store;
  agent: HostAgent;
  clock: Clock;
  log: Logger;
  hostId: string;
  /** How much of a log one read takes. @default 1 MiB */
  readBytes?: number;
  /** How often every log is looked at even without a wake-up (missed notifications, multiline flushes). @default 1000 */
  sweepIntervalMs?: number;
  /** The disk of a log's shipped part is freed once this much more of it is shipped. @default 8 MiB */
  trimEveryBytes?: number;
}

interface Shipping {
  destination: LogDestination;
  position: LogPosition;
  droppedBytes: number;
  /** Up to where the agent was last asked to free the log's disk (in this process). */
  trimmedTo: LogPosition;
  /** The trim under way. */
  trimming?: Promise<void> | undefined;
  /** Non-blocking mode found more unshipped than its buffer holds: ship to `keepUntil`, then go on at `resumeAt`. */
  overflow?: { fileId: string; keepUntil: number; resumeAt: number } | undefined;
}

/**
 * The awslogs driver's control-plane half: reads the lines containers wrote (through the agent,
 * which only reads files) and stores them as events, each batch in ONE transaction with the new
 * read position, so a killed server neither loses nor repeats a line: it reads on from the last
 * position it committed. Woken by the agent when a container writes, and by a sweep.
 */
export class LogShipper {
  readonly #o: Required<LogShipperOptions>;
  /** Per container (`taskId/name`): where it stands, once read from the store. */
  readonly #state = new Map<string, Shipping>();
  /** Containers whose log nothing ships (no awslogs): a chatty one's writes cost no store reads. */
  readonly #unshipped = new Set<string>();
  /** Per container: the pass under way, and whether another was asked for meanwhile. */
  readonly #running = new Map<string, { again: boolean; ended: boolean; done: Promise<void> }>();
  /** Trims under way, for stop() to wait on. */
  readonly #trims = new Set<Promise<void>>();
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: LogShipperOptions) {
    this.#o = { readBytes: 1024 * 1024, sweepIntervalMs: 1000, trimEveryBytes: 8 * 1024 * 1024, ...options };
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#o.agent.onLogOutput((taskId, name) => this.wake(taskId, name));
    await this.sweep();
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearTimeout(this.#timer);
    await Promise.all([...this.#running.values()].map((r) => r.done));
    await Promise.all(this.#trims);
  }

  wake(taskId: string, name: string): void {
    if (!this.#stopped) void this.#ship(taskId, name, false).catch(() => {});
  }

  /** Ships every awslogs container of every task on the host that is not yet released. */
  async sweep(): Promise<void> {
    const tasks = await activeTasksOnHost(this.#o.store.db, this.#o.hostId);
    await Promise.all(
      tasks.flatMap((t) => shippedContainers(t).map((name) => this.#ship(t.id, name, false))),
    );
  }

  /**
   * Ships all a task's containers wrote, to the end of their logs; their containers have ended.
   * The task's files are released only after this, so no line of a stopped task is lost.
   */
  async drain(taskId: string): Promise<void> {
    const t = await getTaskById(this.#o.store.db, taskId);
    if (!t) return;
    for (const name of shippedContainers(t)) {
      // A pass under way may have started before the container ended: run one more after it.
      await this.#ship(taskId, name, true);
    }
  }

  /**
   * Makes the log group (with awslogs-create-group) and stream of each awslogs container about
   * to start, as the driver does before its container starts. Throws LogSetupError, in ECS's
   * words, when the options are wrong or the group does not exist.
   */
  async prepare(t: ScopedTask, containers: readonly ContainerDef[]): Promise<void> {
    for (const c of containers) {
      let destination: LogDestination | undefined;
      try {
        destination = logDestination(t.scope, t.id, c);
      } catch (err) {
        if (err instanceof AwslogsOptionsError) throw new LogSetupError(err.message);
        throw err;
      }
      if (!destination) continue;
      const d = destination;
      const made = await this.#o.store.write((tx) => ensureDestination(tx, d, this.#o.clock.now()));
      if (!made) {
        throw new LogSetupError(
          'create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1',
        );
      }
    }
  }

  /** Forgets what it kept of a released task. */
  forget(taskId: string): void {
    for (const key of this.#state.keys()) if (key.startsWith(`${taskId}/`)) this.#state.delete(key);
    for (const key of this.#unshipped) if (key.startsWith(`${taskId}/`)) this.#unshipped.delete(key);
  }

  #schedule() {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      await this.sweep().catch((err: unknown) => this.#o.log.error({ err }, 'log sweep failed'));
      this.#schedule();
    }, this.#o.sweepIntervalMs);
    this.#timer.unref();
  }

  /** One pass at a time per container; a wake during a pass asks for another after it. */
  #ship(taskId: string, name: string, ended: boolean): Promise<void> {
    const key = `${taskId}/${name}`;
    const current = this.#running.get(key);
    if (current) {
      current.again = true;
      current.ended ||= ended;
      return ended ? current.done.then(() => this.#ship(taskId, name, true)) : current.done;
    }
    const entry = { again: false, ended, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await this.#pass(taskId, name, entry.ended).catch((err: unknown) => {
            this.#o.log.error({ err, taskId, container: name }, 'shipping a container log failed');
            if (entry.ended) throw err;
          });
        } while (entry.again && !this.#stopped);
      } finally {
        this.#running.delete(key);
      }
    })();
    this.#running.set(key, entry);
    return entry.done;
  }

  /** Reads on from the committed position until the log has nothing more, a batch at a time. */
  async #pass(taskId: string, name: string, ended: boolean): Promise<void> {
    const state = await this.#stateOf(taskId, name);
    if (!state) return;
    const { config } = state.destination;
    for (;;) {
      const from = state.position;
      const chunk = await this.#o.agent.readContainerLog(taskId, name, from, {
        maxBytes: this.#o.readBytes,
        ended,
      });
      if (chunk.missing) return;
      let lines = chunk.lines;
      let next: LogPosition | undefined;
      let dropped = chunk.skippedBytes;
      if (config.mode !== 'blocking' && !state.overflow && chunk.size - from.offset > config.maxBufferBytes) {
        // Non-blocking: the buffer holds max-buffer-size; what was written past it is lost, as
        // messages are that reach Docker's full ring buffer. Reading resumes at what comes after.
        state.overflow = {
          fileId: chunk.next.fileId,
          keepUntil: from.offset + config.maxBufferBytes,
          resumeAt: chunk.size,
        };
      }
      const overflow = state.overflow;
      let cut = false;
      if (overflow && overflow.fileId === chunk.next.fileId) {
        const kept = lines.filter((l) => l.end <= overflow.keepUntil);
        if (kept.length < lines.length || !chunk.full) {
          cut = true;
          lines = kept;
          next = { fileId: overflow.fileId, offset: overflow.resumeAt };
          dropped += overflow.resumeAt - (kept.at(-1)?.end ?? from.offset);
          state.overflow = undefined;
          this.#o.log.warn(
            { taskId, container: name, droppedBytes: overflow.resumeAt - (kept.at(-1)?.end ?? from.offset) },
            'log buffer full: lines dropped (non-blocking mode)',
          );
        }
      } else state.overflow = undefined;
      const now = this.#o.clock.now();
      const base = { multiline: config.multiline, from: from.offset, now, flush: ended || cut };
      let assembled = assembleEvents(lines, base);
      // One multiline event fills the whole read: it cannot grow further, send it.
      if (chunk.full && assembled.events.length === 0)
        assembled = assembleEvents(lines, { ...base, flush: true });
      next ??= lines.length > 0 ? { fileId: chunk.next.fileId, offset: assembled.resumeAt } : chunk.next;
      if (next.offset === from.offset && next.fileId === from.fileId && assembled.events.length === 0) return;
      await this.#commit(taskId, name, state, assembled.events, next, dropped, now);
      // An ended container's files are about to go: nothing to free.
      if (!ended) this.#trim(taskId, name, state);
      if (!chunk.full) return;
    }
  }

  async #commit(
    taskId: string,
    name: string,
    state: Shipping,
    events: readonly { timestamp: number; message: string }[],
    next: LogPosition,
    dropped: number,
    now: number,
  ): Promise<void> {
    const droppedBytes = state.droppedBytes + dropped;
    await this.#o.store.write(async (tx) => {
      if (events.length > 0) {
        const target = await ensureDestination(tx, state.destination, now);
        if (target) await appendLogEvents(tx, target, events, now);
        else
          this.#o.log.warn(
            { taskId, container: name, group: state.destination.group },
            'log group is gone: lines dropped',
          );
      }
      await putLogCursor(
        tx,
        { taskId, container: name, fileId: next.fileId, offset: next.offset, droppedBytes },
        now,
      );
    });
    state.position = next;
    state.droppedBytes = droppedBytes;
  }

  /**
   * Has the agent free the disk of what is committed, without changing the file's offsets (the
   * container goes on writing, positions stay valid), once `trimEveryBytes` more is shipped. A
   * trim costs a process: shipping goes on meanwhile, and a container has one at a time (the
   * next, if due by then, starts when it ends). After a restart the first commit trims all that is
   * shipped.
   */
  #trim(taskId: string, name: string, state: Shipping): void {
    const at = state.position;
    const since = at.fileId === state.trimmedTo.fileId ? state.trimmedTo.offset : 0;
    if (state.trimming || at.offset - since < this.#o.trimEveryBytes) return;
    // Recorded first: a failing trim is tried again only after as much more again.
    state.trimmedTo = at;
    const done = this.#o.agent
      .trimContainerLog(taskId, name, at)
      .catch((err: unknown) =>
        this.#o.log.warn({ err, taskId, container: name }, "cannot free the disk of a log's shipped part"),
      )
      .finally(() => {
        state.trimming = undefined;
        this.#trims.delete(done);
        if (!this.#stopped && this.#state.get(`${taskId}/${name}`) === state) this.#trim(taskId, name, state);
      });
    state.trimming = done;
    this.#trims.add(done);
  }

  async #stateOf(taskId: string, name: string): Promise<Shipping | undefined> {
    const key = `${taskId}/${name}`;
    const known = this.#state.get(key);
    if (known) return known;
    if (this.#unshipped.has(key)) return undefined;
    const t = await getTaskById(this.#o.store.db, taskId);
    const def =
      t && effectiveContainers(t.plan.taskDefinition, t.plan.overrides).find((c) => c.name === name);
    if (!t || !def) return undefined;
    let destination: LogDestination | undefined;
    try {
      destination = logDestination(t.scope, t.id, def);
    } catch (err) {
      if (!(err instanceof AwslogsOptionsError)) throw err;
    }
    if (!destination) {
      this.#unshipped.add(key);
      return undefined;
    }
    if (destination.config.mode === undefined) {
      // Without `mode`, the account's defaultLogDriverMode decides (ECS's default: non-blocking);
      // PutAccountSettingDefault keeps it as the root user's setting.
      const root = rootPrincipal(t.scope.account);
      const [setting] = (await listSettings(this.#o.store.db, t.scope, [root])).filter(
        (x) => x.name === 'defaultLogDriverMode',
      );
      const mode = setting?.value === 'blocking' ? 'blocking' : 'non-blocking';
      destination = { ...destination, config: { ...destination.config, mode } };
    }
    const cursor = await getLogCursor(this.#o.store.db, taskId, name);
    const state: Shipping = {
      destination,
      position: cursor ? { fileId: cursor.fileId, offset: cursor.offset } : { fileId: '', offset: 0 },
      droppedBytes: cursor?.droppedBytes ?? 0,
      trimmedTo: { fileId: '', offset: 0 },
    };
    this.#state.set(key, state);
    return state;
  }
}

/** A container's log driver cannot start: the task stops with this reason, as Fargate words it. */
export class LogSetupError extends Error {
  override readonly name = 'LogSetupError';
  get reason(): string {
    return `ResourceInitializationError: failed to validate logger args: ${this.message}`;
  }
}

/** The task's containers that log with awslogs and have started (and so have a log). */
function shippedContainers(t: ScopedTask): string[] {
  const defs = effectiveContainers(t.plan.taskDefinition, t.plan.overrides);
  return (t.doc.containers ?? [])
    .filter((c) => {
      const def = c.runtimeId === undefined ? undefined : defs.find((d) => d.name === c.name);
      return def !== undefined && shipsLog(def);
    })
    .map((c) => c.name!);
}
