import type { RestoreSecretRequest, RestoreSecretResponse } from '@aws-sdk/client-secrets-manager';
import type { Wire } from '../../core/wire.ts';
import { updateSecretRecord } from '../../store/secrets.ts';
import type { CipherContext } from '../cipher-context.ts';
import { secretById } from './secret-lookup.ts';

/** Cancels a scheduled deletion; a secret not scheduled for deletion is left as it is. */
export async function restoreSecret(
  ctx: CipherContext,
  input: Wire<RestoreSecretRequest>,
): Promise<Wire<RestoreSecretResponse>> {
  return ctx.deps.store.write(async (tx) => {
    const secret = await secretById(tx, ctx, input.SecretId!, { lock: true });
    if (secret.deletedAt !== undefined) {
      await updateSecretRecord(tx, secret.arn, { deletedAt: null, purgeAt: null, changedAt: ctx.now });
    }
    return { ARN: secret.arn, Name: secret.name };
  });
}
