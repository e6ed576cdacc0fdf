import type { Kysely } from 'kysely';
import { parameterArn } from '../../core/ssm/parameter-name.ts';
import { ssmError } from '../../core/ssm/ssm-errors.ts';
import type { Database } from '../../store/schema.ts';
import { getParameter } from '../../store/ssm-parameters.ts';
import type { OperationContext } from '../operation.ts';

/** The ARN tags of a tagging call are kept under: only parameters are taggable here. */
export async function taggedParameterArn(
  db: Kysely<Database>,
  ctx: OperationContext,
  input: { ResourceType?: string | undefined; ResourceId?: string | undefined },
): Promise<string> {
  if (input.ResourceType !== 'Parameter') {
    throw ssmError('InvalidResourceType', 'The resource type is not supported: only Parameter is.');
  }
  const name = input.ResourceId ?? '';
  if (!(await getParameter(db, ctx.scope, [name]))) throw ssmError('InvalidResourceId', '');
  return parameterArn(ctx.scope, name);
}
