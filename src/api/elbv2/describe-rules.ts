import type { DescribeRulesInput, DescribeRulesOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { RuleRecord } from '../../core/elbv2/elbv2-records.ts';
import type { Wire } from '../../core/wire.ts';
import { getRules, listRules } from '../../store/lb-rules.ts';
import type { OperationContext } from '../operation.ts';
import { checkArn, requireListener, ruleNotFound } from './elbv2-lookup.ts';
import { pageOf, pageSizeOf, positionOf } from './elbv2-paging.ts';
import { ruleView } from './elbv2-views.ts';

const isPosition = (v: unknown): v is number | 'default' => v === 'default' || Number.isInteger(v);

/** A listener's rules by priority, its default rule last; or the rules named (each must exist). */
export async function describeRules(
  ctx: OperationContext,
  input: Wire<DescribeRulesInput>,
): Promise<Wire<DescribeRulesOutput>> {
  const { ListenerArn: listenerArn, RuleArns: arns } = input;
  if ((listenerArn === undefined) === (arns === undefined))
    throw validationError('You must specify either listener rule ARNs or a listener ARN');
  const size = pageSizeOf(input.PageSize);
  const after = positionOf(input.Marker, isPosition);
  const db = ctx.deps.store.db;
  let items: RuleRecord[];
  if (listenerArn !== undefined) {
    await requireListener(db, ctx.scope, listenerArn);
    items = await listRules(db, listenerArn, { limit: size + 1, ...(after !== undefined && { after }) });
  } else {
    const found = await getRules(
      db,
      arns!.filter((a) => checkArn(ctx.scope, a, 'listener-rule')),
    );
    if (found.length < new Set(arns).size) throw ruleNotFound();
    const rank = (r: RuleRecord) => r.priority ?? Number.POSITIVE_INFINITY;
    const afterRank =
      after === undefined ? undefined : after === 'default' ? Number.POSITIVE_INFINITY : after;
    items = found
      .sort((a, b) =>
        a.listenerArn < b.listenerArn ? -1 : a.listenerArn > b.listenerArn ? 1 : rank(a) - rank(b),
      )
      .filter((r) => afterRank === undefined || rank(r) > afterRank)
      .slice(0, size + 1);
  }
  const { page, nextMarker } = pageOf(items, size, (r) => r.priority ?? 'default');
  return { Rules: page.map(ruleView), ...(nextMarker && { NextMarker: nextMarker }) };
}
