import type { GetParameterRequest, GetParameterResult } from '@aws-sdk/client-ssm';
import type { Wire } from '../../core/wire.ts';
import type { CipherContext } from '../cipher-context.ts';
import { findParameter } from './parameter-lookup.ts';
import { parameterView } from './parameter-view.ts';

/** One parameter by name, `name:version` or ARN; a SecureString's plain value only WithDecryption. */
export async function getParameter(
  ctx: CipherContext,
  input: Wire<GetParameterRequest>,
): Promise<Wire<GetParameterResult>> {
  const found = await findParameter(ctx.deps.store.db, ctx, input.Name!);
  return {
    Parameter: parameterView(ctx, found.ref.scope, found.version, {
      withDecryption: input.WithDecryption,
      selector: found.selector,
    }),
  };
}
