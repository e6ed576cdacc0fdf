import type { DescribeSecretRequest, DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import type { Wire } from '../../core/wire.ts';
import { getStagesOf } from '../../store/secrets.ts';
import { getTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { secretById } from './secret-lookup.ts';
import { describeView } from './secret-view.ts';

/** Works on secrets waiting out their recovery window too: DeletedDate shows it. */
export async function describeSecret(
  ctx: CipherContext,
  input: Wire<DescribeSecretRequest>,
): Promise<Wire<DescribeSecretResponse>> {
  const db = ctx.deps.store.db;
  const secret = await secretById(db, ctx, input.SecretId!);
  const stages = (await getStagesOf(db, [secret.arn])).get(secret.arn) ?? {};
  return describeView(secret, await getTags(db, secret.arn), stages);
}
