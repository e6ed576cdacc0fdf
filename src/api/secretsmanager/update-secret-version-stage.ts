import type {
  UpdateSecretVersionStageRequest,
  UpdateSecretVersionStageResponse,
} from '@aws-sdk/client-secrets-manager';
import { deprecatedToDrop, stagesAfterMove } from '../../core/secrets/version-stages.ts';
import type { Wire } from '../../core/wire.ts';
import {
  deleteSecretVersions,
  getSecretVersions,
  setVersionStages,
  updateSecretRecord,
} from '../../store/secrets.ts';
import type { CipherContext } from '../cipher-context.ts';
import { liveSecretById } from './secret-lookup.ts';

export async function updateSecretVersionStage(
  ctx: CipherContext,
  input: Wire<UpdateSecretVersionStageRequest>,
): Promise<Wire<UpdateSecretVersionStageResponse>> {
  return ctx.deps.store.write(async (tx) => {
    const secret = await liveSecretById(tx, ctx, input.SecretId!, { lock: true });
    const versions = await getSecretVersions(tx, secret.arn);
    const stages = stagesAfterMove(
      versions,
      input.VersionStage!,
      input.RemoveFromVersionId,
      input.MoveToVersionId,
    );
    await setVersionStages(tx, secret.arn, stages);
    await deleteSecretVersions(tx, secret.arn, deprecatedToDrop(versions, stages));
    await updateSecretRecord(tx, secret.arn, { changedAt: ctx.now });
    return { ARN: secret.arn, Name: secret.name };
  });
}
