import type {
  ListSecretVersionIdsRequest,
  ListSecretVersionIdsResponse,
} from '@aws-sdk/client-secrets-manager';
import { secretsError } from '../../core/secrets/secrets-errors.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import { getSecretVersions } from '../../store/secrets.ts';
import type { CipherContext } from '../cipher-context.ts';
import { decodeToken, encodeToken } from '../protocol/pagination.ts';
import { liveSecretById } from './secret-lookup.ts';

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** A secret's versions, newest first; deprecated (label-less) ones only with IncludeDeprecated. */
export async function listSecretVersionIds(
  ctx: CipherContext,
  input: Wire<ListSecretVersionIdsRequest>,
): Promise<Wire<ListSecretVersionIdsResponse>> {
  const db = ctx.deps.store.db;
  const limit = input.MaxResults ?? 100;
  const after = decodeToken(input.NextToken, isSeq, () =>
    secretsError('InvalidNextTokenException', 'The nextToken provided is not valid.'),
  );
  const secret = await liveSecretById(db, ctx, input.SecretId!);
  const versions = (await getSecretVersions(db, secret.arn))
    .filter((v) => input.IncludeDeprecated === true || v.stages.length > 0)
    .reverse()
    .filter((v) => after === undefined || v.seq < after);
  const page = versions.slice(0, limit);
  return {
    Versions: page.map((v) => ({
      VersionId: v.versionId,
      ...(v.stages.length > 0 && { VersionStages: v.stages }),
      ...(v.accessedAt !== undefined && { LastAccessedDate: epochSeconds(v.accessedAt) }),
      CreatedDate: epochSeconds(v.createdAt),
    })),
    ...(versions.length > limit && { NextToken: encodeToken(page.at(-1)!.seq) }),
    ARN: secret.arn,
    Name: secret.name,
  };
}
