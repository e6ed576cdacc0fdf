import type { GetParameterHistoryRequest, GetParameterHistoryResult } from '@aws-sdk/client-ssm';
import { parseParameterRef } from '../../core/ssm/parameter-name.ts';
import { parameterNotFound, ssmError } from '../../core/ssm/ssm-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getParameter, getParameterVersions } from '../../store/ssm-parameters.ts';
import type { CipherContext } from '../cipher-context.ts';
import { decodeToken, encodeToken } from '../protocol/pagination.ts';
import { historyView } from './parameter-view.ts';

const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Every version a parameter keeps, oldest first. */
export async function getParameterHistory(
  ctx: CipherContext,
  input: Wire<GetParameterHistoryRequest>,
): Promise<Wire<GetParameterHistoryResult>> {
  const db = ctx.deps.store.db;
  const after = decodeToken(input.NextToken, isVersion, () =>
    ssmError('InvalidNextToken', 'The specified token is not valid.'),
  );
  const ref = parseParameterRef(input.Name!, ctx.scope);
  const here =
    ref !== undefined &&
    ref.version === undefined &&
    ref.label === undefined &&
    ref.scope.account === ctx.scope.account &&
    ref.scope.region === ctx.scope.region;
  const latest = here ? await getParameter(db, ref.scope, ref.names) : undefined;
  if (!ref || !latest) throw parameterNotFound();
  const limit = input.MaxResults ?? 50;
  const versions = (await getParameterVersions(db, ref.scope, latest.name)).filter(
    (v) => after === undefined || v.version > after,
  );
  const page = versions.slice(0, limit);
  return {
    Parameters: page.map((v) => historyView(ctx, ref.scope, v, input.WithDecryption)),
    ...(versions.length > limit && { NextToken: encodeToken(page.at(-1)!.version) }),
  };
}
