import type { Kysely } from 'kysely';
import { parseSecretId } from '../../core/secrets/secret-id.ts';
import { SecretsMessages, secretNotFound, secretsError } from '../../core/secrets/secrets-errors.ts';
import type { Database } from '../../store/schema.ts';
import { findSecret, lockSecret, type SecretRecord } from '../../store/secrets.ts';
import type { OperationContext } from '../operation.ts';

/**
 * The caller's secret a SecretId names (name, full ARN or partial ARN), or ResourceNotFoundException.
 * With `lock` (in a write), other writes to the secret wait until this transaction ends.
 */
export async function secretById(
  db: Kysely<Database>,
  ctx: OperationContext,
  secretId: string,
  opts: { lock?: boolean } = {},
): Promise<SecretRecord> {
  const ref = parseSecretId(secretId, ctx.scope);
  // An endpoint serves its own region; without resource policies, its own account too.
  const here = ref && ref.scope.account === ctx.scope.account && ref.scope.region === ctx.scope.region;
  const found = here ? await findSecret(db, ref) : undefined;
  const secret = found && opts.lock ? await lockSecret(db, found.arn) : found;
  if (!secret) throw secretNotFound();
  return secret;
}

/** As secretById, refusing a secret that waits out its recovery window. */
export async function liveSecretById(
  db: Kysely<Database>,
  ctx: OperationContext,
  secretId: string,
  opts: { lock?: boolean } = {},
): Promise<SecretRecord> {
  const secret = await secretById(db, ctx, secretId, opts);
  if (secret.deletedAt !== undefined) {
    throw secretsError('InvalidRequestException', SecretsMessages.markedForDeletion);
  }
  return secret;
}

/** The day a time falls on (UTC midnight): LastAccessedDate has a day's resolution. */
export const dayOf = (ms: number) => Math.floor(ms / 86_400_000) * 86_400_000;
