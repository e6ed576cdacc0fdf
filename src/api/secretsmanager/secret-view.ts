import type { DescribeSecretResponse, SecretListEntry, Tag } from '@aws-sdk/client-secrets-manager';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import type { SecretRecord } from '../../store/secrets.ts';
import type { Tag as StoredTag } from '../../store/tags.ts';

/** The fields DescribeSecret and ListSecrets share; fields a secret never had are left out, as AWS does. */
function common(s: SecretRecord, tags: readonly StoredTag[]) {
  return {
    ARN: s.arn,
    Name: s.name,
    ...(s.secretType !== undefined && { Type: s.secretType }),
    ...(s.description !== undefined && { Description: s.description }),
    ...(s.kmsKeyId !== undefined && { KmsKeyId: s.kmsKeyId }),
    LastChangedDate: epochSeconds(s.changedAt),
    ...(s.accessedAt !== undefined && { LastAccessedDate: epochSeconds(s.accessedAt) }),
    ...(s.deletedAt !== undefined && { DeletedDate: epochSeconds(s.deletedAt) }),
    ...(tags.length > 0 && { Tags: tags.map((t): Tag => ({ Key: t.key, Value: t.value })) }),
  };
}

export function describeView(
  s: SecretRecord,
  tags: readonly StoredTag[],
  stages: Record<string, string[]>,
): Wire<DescribeSecretResponse> {
  return {
    ...common(s, tags),
    ...(Object.keys(stages).length > 0 && { VersionIdsToStages: stages }),
    CreatedDate: epochSeconds(s.createdAt),
  };
}

export function listEntryView(
  s: SecretRecord,
  tags: readonly StoredTag[],
  stages: Record<string, string[]>,
): Wire<SecretListEntry> {
  return {
    ...common(s, tags),
    ...(Object.keys(stages).length > 0 && { SecretVersionsToStages: stages }),
    CreatedDate: epochSeconds(s.createdAt),
  };
}
