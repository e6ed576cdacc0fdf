import type { PutSecretValueRequest, PutSecretValueResponse } from '@aws-sdk/client-secrets-manager';
import { SecretsMessages, secretsError } from '../../core/secrets/secrets-errors.ts';
import { AWSCURRENT } from '../../core/secrets/version-stages.ts';
import type { Wire } from '../../core/wire.ts';
import type { CipherContext } from '../cipher-context.ts';
import { addSecretVersion } from './add-secret-version.ts';
import { liveSecretById } from './secret-lookup.ts';
import { valueOfInput } from './secret-value.ts';

/** A new version, AWSCURRENT unless other labels are asked for; the old AWSCURRENT becomes AWSPREVIOUS. */
export async function putSecretValue(
  ctx: CipherContext,
  input: Wire<PutSecretValueRequest>,
): Promise<Wire<PutSecretValueResponse>> {
  const value = valueOfInput(input);
  if (!value) throw secretsError('InvalidRequestException', SecretsMessages.noValue);
  return ctx.deps.store.write(async (tx) => {
    const secret = await liveSecretById(tx, ctx, input.SecretId!, { lock: true });
    const version = await addSecretVersion(tx, ctx, secret, {
      versionId: input.ClientRequestToken,
      value,
      stages: input.VersionStages ?? [AWSCURRENT],
    });
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.stages.length > 0 && { VersionStages: version.stages }),
    };
  });
}
