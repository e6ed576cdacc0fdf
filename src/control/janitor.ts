import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { expiryCutoff } from '../core/logs/retention.ts';
import { forgetStoppedTasks, purgeDeletedTaskDefinitions } from '../store/janitor-queries.ts';
import { deleteEventsBefore } from '../store/log-events.ts';
import { addStoredBytes, groupsWithRetention } from '../store/log-groups.ts';
import { purgeDeletedSecrets } from '../store/secrets.ts';
import type { Store } from '../store/store.ts';
import { purgeExpiredTaskCredentials, purgeOrphanTaskCredentials } from '../store/task-credentials.ts';

/** How long expired task credentials are still known, to be refused as expired rather than as unknown. */
const EXPIRED_CREDENTIALS_KEPT_MS = 24 * 3_600_000;

export interface JanitorOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** How long STOPPED tasks stay describable; ECS keeps them at least an hour. @default 3_600_000 */
  stoppedTaskRetentionMs?: number;
  /** @default 60_000 */
  intervalMs?: number;
}

/**
 * Forgets what ECS forgets after a while: STOPPED tasks past their retention, and task
 * definitions whose deletion was asked for once no task uses them any more. Removes the
 * secrets whose recovery window has ended, log events older than their group's retention, and
 * task role credentials that have expired.
 */
export class Janitor {
  readonly #o: Required<JanitorOptions>;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: JanitorOptions) {
    this.#o = { stoppedTaskRetentionMs: 3_600_000, intervalMs: 60_000, ...options };
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.#o.log.error({ err }, 'janitor failed'));
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async tick(): Promise<void> {
    const now = this.#o.clock.now();
    const before = now - this.#o.stoppedTaskRetentionMs;
    await this.#o.store.write(async (tx) => {
      const tasks = await forgetStoppedTasks(tx, before);
      const defs = await purgeDeletedTaskDefinitions(tx);
      if (tasks + defs > 0)
        this.#o.log.info(
          { tasks, taskDefinitions: defs },
          'forgot stopped tasks and deleted task definitions',
        );
    });
    await this.#o.store.write(async (tx) => {
      const secrets = await purgeDeletedSecrets(tx, now);
      if (secrets > 0) this.#o.log.info({ secrets }, 'removed secrets whose recovery window ended');
    });
    for (const group of await groupsWithRetention(this.#o.store.db)) {
      await this.#o.store.write(async (tx) => {
        const gone = await deleteEventsBefore(tx, group.id, expiryCutoff(now, group.retentionDays!));
        await addStoredBytes(tx, group.id, -gone.bytes);
        if (gone.events > 0) {
          this.#o.log.info(
            { logGroup: group.name, events: gone.events },
            'removed log events past their retention',
          );
        }
      });
    }
    // Expired credentials are refused as expired for a while (ExpiredTokenException), then forgotten.
    await this.#o.store.write(async (tx) => {
      await purgeExpiredTaskCredentials(tx, now - EXPIRED_CREDENTIALS_KEPT_MS);
      await purgeOrphanTaskCredentials(tx);
    });
  }
}
