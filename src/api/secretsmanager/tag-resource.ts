import type { TagResourceRequest } from '@aws-sdk/client-secrets-manager';
import { secretsError } from '../../core/secrets/secrets-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { updateSecretRecord } from '../../store/secrets.ts';
import { getTags, putTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { liveSecretById } from './secret-lookup.ts';
import { checkSecretTags, MAX_SECRET_TAGS } from './tag-rules.ts';

export async function tagResource(ctx: CipherContext, input: Wire<TagResourceRequest>): Promise<object> {
  const tags = checkSecretTags(input.Tags ?? []);
  return ctx.deps.store.write(async (tx) => {
    const secret = await liveSecretById(tx, ctx, input.SecretId!, { lock: true });
    const keys = new Set([...(await getTags(tx, secret.arn)).map((t) => t.key), ...tags.map((t) => t.key)]);
    if (keys.size > MAX_SECRET_TAGS) {
      throw secretsError('ValidationException', `A secret can have at most ${MAX_SECRET_TAGS} tags.`);
    }
    await putTags(tx, secret.arn, tags);
    await updateSecretRecord(tx, secret.arn, { changedAt: ctx.now });
    return {};
  });
}
