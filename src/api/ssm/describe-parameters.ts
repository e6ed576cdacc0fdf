import type { DescribeParametersRequest, DescribeParametersResult } from '@aws-sdk/client-ssm';
import { legacyParameterFilter, parameterFilter } from '../../core/ssm/parameter-filters.ts';
import { parameterArn } from '../../core/ssm/parameter-name.ts';
import { ssmError } from '../../core/ssm/ssm-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { listParameters } from '../../store/ssm-parameters.ts';
import { getTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { encodeToken } from '../protocol/pagination.ts';
import { metadataView } from './parameter-view.ts';
import { afterName } from './ssm-page.ts';

/** Parameters without their values, filtered, in name order, ten a page by default. */
export async function describeParameters(
  ctx: CipherContext,
  input: Wire<DescribeParametersRequest>,
): Promise<Wire<DescribeParametersResult>> {
  if (input.Filters?.length && input.ParameterFilters?.length) {
    throw ssmError(
      'ValidationException',
      'You can use either Filters or ParameterFilters in a single request.',
    );
  }
  if (input.Shared) return { Parameters: [] };
  const keep = input.Filters?.length
    ? legacyParameterFilter(input.Filters)
    : parameterFilter(input.ParameterFilters ?? [], 'describe');
  const limit = input.MaxResults ?? 10;
  const db = ctx.deps.store.db;
  const page = [];
  let more = false;
  for (const v of await listParameters(db, ctx.scope, { after: afterName(input.NextToken) })) {
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
    Parameters: page.map((v) => metadataView(ctx.scope, v)),
    ...(more && { NextToken: encodeToken(page.at(-1)!.name) }),
  };
}
