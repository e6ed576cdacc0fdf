import { secretsError } from './secrets-errors.ts';
import { AWSCURRENT, type StagedVersion } from './version-stages.ts';

/**
 * The version GetSecretValue reads: by VersionId, by VersionStage, or AWSCURRENT; with both, the
 * stage must be on that version. Throws AWS's errors.
 */
export function pickVersion<V extends StagedVersion>(
  versions: readonly V[],
  want: { versionId?: string | undefined; versionStage?: string | undefined },
): V {
  if (want.versionId !== undefined) {
    const v = versions.find((x) => x.versionId === want.versionId);
    if (!v) {
      throw secretsError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${want.versionId}`,
      );
    }
    if (want.versionStage !== undefined && !v.stages.includes(want.versionStage)) {
      throw secretsError(
        'InvalidRequestException',
        'You provided a VersionStage that is not associated to the provided VersionId.',
      );
    }
    return v;
  }
  const stage = want.versionStage ?? AWSCURRENT;
  const v = versions.find((x) => x.stages.includes(stage));
  if (!v) {
    throw secretsError(
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
    );
  }
  return v;
}
