import type { GetParametersByPathRequest, GetParametersByPathResult } from '@aws-sdk/client-ssm';
import { parameterFilter } from '../../core/ssm/parameter-filters.ts';
import { checkParameterPath, isUnderPath, parameterArn } from '../../core/ssm/parameter-name.ts';
import type { Wire } from '../../core/wire.ts';
import { listParameters } from '../../store/ssm-parameters.ts';
import { getTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { encodeToken } from '../protocol/pagination.ts';
import { parameterView } from './parameter-view.ts';
import { afterName } from './ssm-page.ts';

/** The parameters one level under a path (every level with Recursive), in name order, ten a page by default. */
export async function getParametersByPath(
  ctx: CipherContext,
  input: Wire<GetParametersByPathRequest>,
): Promise<Wire<GetParametersByPathResult>> {
  const path = input.Path!;
  checkParameterPath(path);
  const keep = parameterFilter(input.ParameterFilters ?? [], 'byPath');
  const limit = input.MaxResults ?? 10;
  const db = ctx.deps.store.db;
  const candidates = await listParameters(db, ctx.scope, {
    after: afterName(input.NextToken),
    ...(path !== '/' && { prefix: path.endsWith('/') ? path : `${path}/` }),
  });
  const page = [];
  let more = false;
  for (const v of candidates) {
    if (!isUnderPath(v.name, path, input.Recursive === true)) continue;
    const tags = input.ParameterFilters?.length ? await getTags(db, parameterArn(ctx.scope, v.name)) : [];
    if (!keep({ name: v.name, type: v.type, keyId: v.keyId, tier: v.tier, dataType: v.dataType, tags }))
      continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(v);
  }
  return {
    Parameters: page.map((v) => parameterView(ctx, ctx.scope, v, { withDecryption: input.WithDecryption })),
    ...(more && { NextToken: encodeToken(page.at(-1)!.name) }),
  };
}
