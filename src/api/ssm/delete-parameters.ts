import type { DeleteParametersRequest, DeleteParametersResult } from '@aws-sdk/client-ssm';
import { parameterArn } from '../../core/ssm/parameter-name.ts';
import type { Wire } from '../../core/wire.ts';
import { deleteParameter } from '../../store/ssm-parameters.ts';
import { deleteTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';

/** Up to ten at once; names that find none come back in InvalidParameters. */
export async function deleteParameters(
  ctx: CipherContext,
  input: Wire<DeleteParametersRequest>,
): Promise<Wire<DeleteParametersResult>> {
  return ctx.deps.store.write(async (tx) => {
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of new Set(input.Names ?? [])) {
      if (await deleteParameter(tx, ctx.scope, name)) {
        await deleteTags(tx, parameterArn(ctx.scope, name));
        deleted.push(name);
      } else {
        invalid.push(name);
      }
    }
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  });
}
