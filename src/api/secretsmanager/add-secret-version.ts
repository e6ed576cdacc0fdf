import type { Kysely } from 'kysely';
import { SecretsMessages, secretsError } from '../../core/secrets/secrets-errors.ts';
import { deprecatedToDrop, stagesAfterPut } from '../../core/secrets/version-stages.ts';
import type { Database } from '../../store/schema.ts';
import { decryptSecretValue, encryptSecretValue, type SecretValue } from '../../store/secret-values.ts';
import {
  deleteSecretVersions,
  getSecretVersions,
  insertSecretVersion,
  type SecretRecord,
  setVersionStages,
  updateSecretRecord,
} from '../../store/secrets.ts';
import type { CipherContext } from '../cipher-context.ts';
import { sameValue } from './secret-value.ts';

/**
 * Adds a version to a secret and moves the labels it takes (CreateSecret, PutSecretValue,
 * UpdateSecret). The ClientRequestToken is the version id: the same token with the same value is a
 * retry and changes nothing; with another value it is refused, since versions never change.
 */
export async function addSecretVersion(
  tx: Kysely<Database>,
  ctx: CipherContext,
  secret: SecretRecord,
  v: { versionId: string | undefined; value: SecretValue; stages: readonly string[] },
): Promise<{ versionId: string; stages: string[] }> {
  if (v.versionId === undefined) throw secretsError('InvalidRequestException', SecretsMessages.tokenRequired);
  const versionId = v.versionId;
  const versions = await getSecretVersions(tx, secret.arn);
  const existing = versions.find((x) => x.versionId === versionId);
  if (existing) {
    if (!sameValue(decryptSecretValue(ctx.cipher, existing), v.value)) {
      throw secretsError('ResourceExistsException', SecretsMessages.versionExists);
    }
    return { versionId, stages: existing.stages };
  }
  const seq = secret.lastSeq + 1;
  const stages = stagesAfterPut(versions, versionId, v.stages);
  const mine = stages.get(versionId) ?? [];
  stages.delete(versionId);
  await insertSecretVersion(tx, {
    secretArn: secret.arn,
    versionId,
    seq,
    stages: mine,
    kind: v.value.kind,
    ciphertext: encryptSecretValue(ctx.cipher, secret.arn, versionId, v.value),
    createdAt: ctx.now,
    accessedAt: undefined,
  });
  await setVersionStages(tx, secret.arn, stages);
  await deleteSecretVersions(tx, secret.arn, deprecatedToDrop(versions, stages));
  await updateSecretRecord(tx, secret.arn, { lastSeq: seq, changedAt: ctx.now });
  return { versionId, stages: mine };
}
