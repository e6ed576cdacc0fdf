import type { DeleteSecretRequest, DeleteSecretResponse } from '@aws-sdk/client-secrets-manager';
import { SecretsMessages, secretsError } from '../../core/secrets/secrets-errors.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import { removeSecret, updateSecretRecord } from '../../store/secrets.ts';
import type { CipherContext } from '../cipher-context.ts';
import { secretById } from './secret-lookup.ts';

const DAY_MS = 86_400_000;

/**
 * Schedules the secret's deletion after a recovery window (7 to 30 days, 30 by default), during
 * which it can be restored; the janitor removes it when the window ends. ForceDeleteWithoutRecovery
 * removes it at once, also when it is already scheduled.
 */
export async function deleteSecret(
  ctx: CipherContext,
  input: Wire<DeleteSecretRequest>,
): Promise<Wire<DeleteSecretResponse>> {
  const force = input.ForceDeleteWithoutRecovery === true;
  const days = input.RecoveryWindowInDays;
  if (force && days !== undefined) {
    throw secretsError(
      'InvalidParameterException',
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  }
  if (days !== undefined && (days < 7 || days > 30)) {
    throw secretsError(
      'InvalidParameterException',
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    );
  }
  return ctx.deps.store.write(async (tx) => {
    const secret = await secretById(tx, ctx, input.SecretId!, { lock: true });
    if (force) {
      await removeSecret(tx, secret.arn);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds(ctx.now) };
    }
    if (secret.deletedAt !== undefined) {
      throw secretsError('InvalidRequestException', SecretsMessages.alreadyMarkedDeleted);
    }
    const purgeAt = ctx.now + (days ?? 30) * DAY_MS;
    await updateSecretRecord(tx, secret.arn, { deletedAt: ctx.now, purgeAt, changedAt: ctx.now });
    return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds(purgeAt) };
  });
}
