import type { Clock } from '../core/clock.ts';
import { assumedRolePrincipal, roleArnOf, taskRoleOf } from '../core/ecs/task-role.ts';
import type { Ids } from '../core/ids.ts';
import type { Store } from '../store/store.ts';
import {
  insertTaskCredentials,
  newestTaskCredentials,
  type TaskCredentials,
} from '../store/task-credentials.ts';
import type { ScopedTask } from '../store/tasks.ts';
import type { ValueCipher } from '../store/value-cipher.ts';

/** How long a task's credentials last, and when a request gets a new set. */
export interface CredentialsPolicy {
  /** ECS's task role credentials last about 6 hours. @default 6 hours */
  lifetimeMs: number;
  /**
   * A request for the credentials gets a new set once the newest has less than this left. SDKs
   * ask again some minutes before the expiration they were told. @default 1 hour
   */
  renewBeforeMs: number;
}

export const DEFAULT_CREDENTIALS_POLICY: CredentialsPolicy = {
  lifetimeMs: 6 * 3_600_000,
  renewBeforeMs: 3_600_000,
};

export interface CredentialsDeps {
  store: Store;
  cipher: ValueCipher;
  ids: Ids;
  clock: Clock;
  policy?: CredentialsPolicy;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The credentials a task's containers get for its role: the newest set, or a new one (a new
 * key, secret and token, as STS gives on each AssumeRole) when that one is near its end. Older
 * sets stay valid until they expire, as STS credentials do; all go when the task stops. A task
 * on its way down gets no new set (its containers may still use the current one while they stop).
 * Undefined for a task without a role.
 */
export async function currentTaskCredentials(
  d: CredentialsDeps,
  t: ScopedTask,
): Promise<TaskCredentials | undefined> {
  const role = taskRoleOf(t.plan.taskDefinition, t.plan.overrides);
  const credentialsId = t.plan.credentialsId;
  if (role === undefined || credentialsId === undefined) return undefined;
  const policy = d.policy ?? DEFAULT_CREDENTIALS_POLICY;
  const fresh = (c: TaskCredentials | undefined) =>
    c !== undefined && c.expiresAt - d.clock.now() > policy.renewBeforeMs;
  const newest = await newestTaskCredentials(d.store.db, d.cipher, t.id, credentialsId);
  if (newest && fresh(newest)) return newest;
  if (t.desiredStatus !== 'RUNNING') return newest && newest.expiresAt > d.clock.now() ? newest : undefined;
  return d.store.write(async (tx) => {
    // Another request may have made one meanwhile.
    const again = await newestTaskCredentials(tx, d.cipher, t.id, credentialsId);
    if (again && fresh(again)) return again;
    const now = d.clock.now();
    const roleArn = roleArnOf(t.scope, role);
    const made: TaskCredentials = {
      accessKeyId: `ASIA${d.ids.chars(16, KEY_ALPHABET)}`,
      secretAccessKey: d.ids.chars(40, SECRET_ALPHABET),
      sessionToken: d.ids.chars(256, SECRET_ALPHABET),
      taskId: t.id,
      credentialsId,
      account: t.scope.account,
      roleArn,
      principalArn: assumedRolePrincipal(t.scope, roleArn, t.id),
      issuedAt: now,
      expiresAt: now + policy.lifetimeMs,
    };
    await insertTaskCredentials(tx, d.cipher, made);
    return made;
  });
}
