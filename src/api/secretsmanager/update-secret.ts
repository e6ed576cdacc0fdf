import type { UpdateSecretRequest, UpdateSecretResponse } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT } from '../../core/secrets/version-stages.ts';
import type { Wire } from '../../core/wire.ts';
import { updateSecretRecord } from '../../store/secrets.ts';
import type { CipherContext } from '../cipher-context.ts';
import { addSecretVersion } from './add-secret-version.ts';
import { liveSecretById } from './secret-lookup.ts';
import { valueOfInput } from './secret-value.ts';

/** Changes a secret's description or key, and with a value adds an AWSCURRENT version. */
export async function updateSecret(
  ctx: CipherContext,
  input: Wire<UpdateSecretRequest>,
): Promise<Wire<UpdateSecretResponse>> {
  const value = valueOfInput(input);
  return ctx.deps.store.write(async (tx) => {
    const secret = await liveSecretById(tx, ctx, input.SecretId!, { lock: true });
    await updateSecretRecord(tx, secret.arn, {
      ...(input.Description !== undefined && { description: input.Description }),
      ...(input.KmsKeyId !== undefined && { kmsKeyId: input.KmsKeyId || null }),
      ...(input.Type !== undefined && { secretType: input.Type || null }),
      changedAt: ctx.now,
    });
    if (!value) return { ARN: secret.arn, Name: secret.name };
    const version = await addSecretVersion(tx, ctx, secret, {
      versionId: input.ClientRequestToken,
      value,
      stages: [AWSCURRENT],
    });
    return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
  });
}
