import type { GetParametersRequest, GetParametersResult, Parameter } from '@aws-sdk/client-ssm';
import { ServiceError } from '../../core/service-error.ts';
import type { Wire } from '../../core/wire.ts';
import type { CipherContext } from '../cipher-context.ts';
import { findParameter } from './parameter-lookup.ts';
import { parameterView } from './parameter-view.ts';

/** Up to ten parameters; names that find none come back in InvalidParameters, as given. */
export async function getParameters(
  ctx: CipherContext,
  input: Wire<GetParametersRequest>,
): Promise<Wire<GetParametersResult>> {
  const parameters: Wire<Parameter>[] = [];
  const invalid: string[] = [];
  for (const name of new Set(input.Names ?? [])) {
    try {
      const found = await findParameter(ctx.deps.store.db, ctx, name);
      parameters.push(
        parameterView(ctx, found.ref.scope, found.version, {
          withDecryption: input.WithDecryption,
          selector: found.selector,
        }),
      );
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      invalid.push(name);
    }
  }
  return { Parameters: parameters, InvalidParameters: invalid };
}
