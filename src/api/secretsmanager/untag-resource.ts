import type { UntagResourceRequest } from '@aws-sdk/client-secrets-manager';
import type { Wire } from '../../core/wire.ts';
import { updateSecretRecord } from '../../store/secrets.ts';
import { deleteTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { liveSecretById } from './secret-lookup.ts';

export async function untagResource(ctx: CipherContext, input: Wire<UntagResourceRequest>): Promise<object> {
  return ctx.deps.store.write(async (tx) => {
    const secret = await liveSecretById(tx, ctx, input.SecretId!, { lock: true });
    await deleteTags(tx, secret.arn, input.TagKeys ?? []);
    await updateSecretRecord(tx, secret.arn, { changedAt: ctx.now });
    return {};
  });
}
