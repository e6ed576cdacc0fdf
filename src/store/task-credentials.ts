import type { Kysely } from 'kysely';
import type { Database, TaskCredentialRow } from './schema.ts';
import type { ValueCipher } from './value-cipher.ts';

/** A task role's temporary credentials, decrypted. */
export interface TaskCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  taskId: string;
  /** The id in the task's AWS_CONTAINER_CREDENTIALS_RELATIVE_URI. */
  credentialsId: string;
  account: string;
  roleArn: string;
  principalArn: string;
  issuedAt: number;
  expiresAt: number;
}

/** What each ciphertext is bound to: it decrypts as this key's secret (or token) and nothing else. */
const context = (accessKeyId: string, part: 'secret' | 'token') => `task-credentials:${accessKeyId}:${part}`;

export async function insertTaskCredentials(
  db: Kysely<Database>,
  cipher: ValueCipher,
  c: TaskCredentials,
): Promise<void> {
  await db
    .insertInto('task_credentials')
    .values({
      access_key_id: c.accessKeyId,
      task_id: c.taskId,
      credentials_id: c.credentialsId,
      account: c.account,
      role_arn: c.roleArn,
      principal_arn: c.principalArn,
      secret_ciphertext: cipher.encrypt(c.secretAccessKey, context(c.accessKeyId, 'secret')),
      token_ciphertext: cipher.encrypt(c.sessionToken, context(c.accessKeyId, 'token')),
      issued_at: c.issuedAt,
      expires_at: c.expiresAt,
    })
    .execute();
}

/** The credentials of a temporary access key, expired or not; undefined once revoked. */
export async function getTaskCredentialsByKey(
  db: Kysely<Database>,
  cipher: ValueCipher,
  accessKeyId: string,
): Promise<TaskCredentials | undefined> {
  const row = await db
    .selectFrom('task_credentials')
    .selectAll()
    .where('access_key_id', '=', accessKeyId)
    .executeTakeFirst();
  return row && decrypt(cipher, row);
}

/** The newest set behind a task's credentials id. */
export async function newestTaskCredentials(
  db: Kysely<Database>,
  cipher: ValueCipher,
  taskId: string,
  credentialsId: string,
): Promise<TaskCredentials | undefined> {
  const row = await db
    .selectFrom('task_credentials')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('credentials_id', '=', credentialsId)
    .orderBy('issued_at', 'desc')
    .orderBy('expires_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && decrypt(cipher, row);
}

/** Revokes every set a task has: a stopped task's credentials stop working at once. */
export async function deleteTaskCredentials(db: Kysely<Database>, taskId: string): Promise<number> {
  const res = await db.deleteFrom('task_credentials').where('task_id', '=', taskId).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Forgets sets that expired before `before` (replaced ones, and those of tasks gone meanwhile). */
export async function purgeExpiredTaskCredentials(db: Kysely<Database>, before: number): Promise<number> {
  const res = await db.deleteFrom('task_credentials').where('expires_at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Revokes what tasks no longer running still have, should a set have been made as one stopped. */
export async function purgeOrphanTaskCredentials(db: Kysely<Database>): Promise<number> {
  const res = await db
    .deleteFrom('task_credentials')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('tasks')
            .select('tasks.id')
            .whereRef('tasks.id', '=', 'task_credentials.task_id')
            .where('tasks.last_status', '!=', 'STOPPED'),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

function decrypt(cipher: ValueCipher, r: TaskCredentialRow): TaskCredentials {
  return {
    accessKeyId: r.access_key_id,
    secretAccessKey: cipher.decrypt(r.secret_ciphertext, context(r.access_key_id, 'secret')).toString('utf8'),
    sessionToken: cipher.decrypt(r.token_ciphertext, context(r.access_key_id, 'token')).toString('utf8'),
    taskId: r.task_id,
    credentialsId: r.credentials_id,
    account: r.account,
    roleArn: r.role_arn,
    principalArn: r.principal_arn,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
  };
}
