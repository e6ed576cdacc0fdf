import type { DeleteParameterRequest, DeleteParameterResult } from '@aws-sdk/client-ssm';
import { parameterArn } from '../../core/ssm/parameter-name.ts';
import { parameterNotFound } from '../../core/ssm/ssm-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { deleteParameter as deleteParameterRows } from '../../store/ssm-parameters.ts';
import { deleteTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';

export async function deleteParameter(
  ctx: CipherContext,
  input: Wire<DeleteParameterRequest>,
): Promise<Wire<DeleteParameterResult>> {
  return ctx.deps.store.write(async (tx) => {
    if (!(await deleteParameterRows(tx, ctx.scope, input.Name!))) throw parameterNotFound();
    await deleteTags(tx, parameterArn(ctx.scope, input.Name!));
    return {};
  });
}
