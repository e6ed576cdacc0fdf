import type { Kysely } from 'kysely';
import { type ParameterRef, parseParameterRef } from '../../core/ssm/parameter-name.ts';
import { parameterNotFound, ssmError } from '../../core/ssm/ssm-errors.ts';
import type { Database } from '../../store/schema.ts';
import { getParameter, getParameterVersions, type ParameterVersion } from '../../store/ssm-parameters.ts';
import type { OperationContext } from '../operation.ts';

/** A parameter version found for a name as GetParameter takes it, with the selector it was asked with. */
export interface FoundParameter {
  ref: ParameterRef;
  version: ParameterVersion;
  selector: string | undefined;
}

/**
 * The version `name` asks for (`name`, `name:3`, an ARN): ParameterNotFound when there is no such
 * parameter, ParameterVersionNotFound when it lacks that version or label (labels are not kept).
 */
export async function findParameter(
  db: Kysely<Database>,
  ctx: OperationContext,
  name: string,
): Promise<FoundParameter> {
  const ref = parseParameterRef(name, ctx.scope);
  // An endpoint serves its own region; without resource policies, its own account too.
  const here = ref && ref.scope.account === ctx.scope.account && ref.scope.region === ctx.scope.region;
  const latest = here ? await getParameter(db, ref.scope, ref.names) : undefined;
  if (!ref || !latest) throw parameterNotFound();
  if (ref.version === undefined && ref.label === undefined)
    return { ref, version: latest, selector: undefined };
  const wanted = ref.version ?? ref.label;
  const version =
    ref.version !== undefined
      ? (await getParameterVersions(db, ref.scope, latest.name)).find((v) => v.version === ref.version)
      : undefined;
  if (!version) {
    throw ssmError(
      'ParameterVersionNotFound',
      `Systems Manager could not find version ${wanted} of ${latest.name}. Verify the version and try again.`,
    );
  }
  return { ref, version, selector: `:${wanted}` };
}
