import type { GetSecretValueRequest, GetSecretValueResponse } from '@aws-sdk/client-secrets-manager';
import { pickVersion } from '../../core/secrets/pick-version.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import { decryptSecretValue } from '../../store/secret-values.ts';
import { getSecretVersions, markSecretAccessed } from '../../store/secrets.ts';
import type { CipherContext } from '../cipher-context.ts';
import { dayOf, liveSecretById } from './secret-lookup.ts';
import { valueOutput } from './secret-value.ts';

export async function getSecretValue(
  ctx: CipherContext,
  input: Wire<GetSecretValueRequest>,
): Promise<Wire<GetSecretValueResponse>> {
  const db = ctx.deps.store.db;
  const secret = await liveSecretById(db, ctx, input.SecretId!);
  const version = pickVersion(await getSecretVersions(db, secret.arn), {
    versionId: input.VersionId,
    versionStage: input.VersionStage,
  });
  const value = decryptSecretValue(ctx.cipher, version);
  // LastAccessedDate has a day's resolution: write only on the first read of a day.
  const today = dayOf(ctx.now);
  if (secret.accessedAt !== today || version.accessedAt !== today) {
    await ctx.deps.store.write((tx) => markSecretAccessed(tx, secret.arn, version.versionId, today));
  }
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    ...valueOutput(value),
    // A deprecated version has no label, and the model allows no empty list.
    ...(version.stages.length > 0 && { VersionStages: version.stages }),
    CreatedDate: epochSeconds(version.createdAt),
  };
}
