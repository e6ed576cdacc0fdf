import type { CreateSecretRequest, CreateSecretResponse } from '@aws-sdk/client-secrets-manager';
import {
  ARN_SUFFIX_ALPHABET,
  ARN_SUFFIX_LENGTH,
  checkSecretName,
  secretArn,
} from '../../core/secrets/secret-id.ts';
import { secretsError } from '../../core/secrets/secrets-errors.ts';
import { AWSCURRENT } from '../../core/secrets/version-stages.ts';
import type { Wire } from '../../core/wire.ts';
import { isUniqueViolation } from '../../store/conflicts.ts';
import { decryptSecretValue } from '../../store/secret-values.ts';
import { findSecret, getSecretVersions, insertSecret } from '../../store/secrets.ts';
import { putTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { addSecretVersion } from './add-secret-version.ts';
import { sameValue, valueOfInput } from './secret-value.ts';
import { checkSecretTags } from './tag-rules.ts';

export async function createSecret(
  ctx: CipherContext,
  input: Wire<CreateSecretRequest>,
): Promise<Wire<CreateSecretResponse>> {
  const name = input.Name!;
  checkSecretName(name);
  const value = valueOfInput(input);
  if (input.AddReplicaRegions?.length) {
    throw secretsError('InvalidRequestException', 'neargate does not replicate secrets to other regions.');
  }
  const tags = checkSecretTags(input.Tags ?? []);
  return ctx.deps.store.write(async (tx) => {
    const existing = await findSecret(tx, { kind: 'name', scope: ctx.scope, name });
    if (existing) {
      if (existing.deletedAt !== undefined) {
        throw secretsError(
          'InvalidRequestException',
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        );
      }
      // A retry of the request that made it (same token, same value) answers as the first did.
      const retried =
        value &&
        (await getSecretVersions(tx, existing.arn)).find((v) => v.versionId === input.ClientRequestToken);
      if (retried && sameValue(decryptSecretValue(ctx.cipher, retried), value)) {
        return { ARN: existing.arn, Name: existing.name, VersionId: retried.versionId };
      }
      throw alreadyExists(name);
    }
    const secret = {
      arn: secretArn(ctx.scope, name, ctx.deps.ids.chars(ARN_SUFFIX_LENGTH, ARN_SUFFIX_ALPHABET)),
      account: ctx.scope.account,
      region: ctx.scope.region,
      name,
      description: input.Description,
      kmsKeyId: input.KmsKeyId || undefined,
      secretType: input.Type || undefined,
      createdAt: ctx.now,
      changedAt: ctx.now,
      accessedAt: undefined,
      deletedAt: undefined,
      purgeAt: undefined,
      lastSeq: 0,
    };
    try {
      await insertSecret(tx, secret);
    } catch (err) {
      // Another request made a secret of that name meanwhile.
      if (isUniqueViolation(err)) throw alreadyExists(name);
      throw err;
    }
    await putTags(tx, secret.arn, tags);
    if (!value) return { ARN: secret.arn, Name: name };
    const version = await addSecretVersion(tx, ctx, secret, {
      versionId: input.ClientRequestToken,
      value,
      stages: [AWSCURRENT],
    });
    return { ARN: secret.arn, Name: name, VersionId: version.versionId };
  });
}

const alreadyExists = (name: string) =>
  secretsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
