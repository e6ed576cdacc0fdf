import type {
  DescribeListenersInput,
  DescribeListenersOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { ListenerRecord } from '../../core/elbv2/elbv2-records.ts';
import type { Wire } from '../../core/wire.ts';
import { getListeners, listListeners } from '../../store/lb-listeners.ts';
import { defaultRulesOf } from '../../store/lb-rules.ts';
import type { OperationContext } from '../operation.ts';
import { checkArn, listenerNotFound, requireLoadBalancer } from './elbv2-lookup.ts';
import { pageOf, pageSizeOf, positionOf } from './elbv2-paging.ts';
import { listenerView } from './elbv2-views.ts';

const isPosition = (v: unknown): v is { lb: string; port: number } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { lb?: unknown }).lb === 'string' &&
  Number.isInteger((v as { port?: unknown }).port);

/** Listeners in page order: by load balancer, then port. */
const byPosition = (
  a: Pick<ListenerRecord, 'loadBalancerArn' | 'port'>,
  b: Pick<ListenerRecord, 'loadBalancerArn' | 'port'>,
) =>
  a.loadBalancerArn < b.loadBalancerArn ? -1 : a.loadBalancerArn > b.loadBalancerArn ? 1 : a.port - b.port;

/** A load balancer's listeners by port, or the listeners named (each must exist). */
export async function describeListeners(
  ctx: OperationContext,
  input: Wire<DescribeListenersInput>,
): Promise<Wire<DescribeListenersOutput>> {
  const { LoadBalancerArn: lbArn, ListenerArns: arns } = input;
  if ((lbArn === undefined) === (arns === undefined))
    throw validationError('You must specify either listener ARNs or a load balancer ARN');
  const size = pageSizeOf(input.PageSize);
  const after = positionOf(input.Marker, isPosition);
  const db = ctx.deps.store.db;
  let items: ListenerRecord[];
  if (lbArn !== undefined) {
    await requireLoadBalancer(db, ctx.scope, lbArn);
    items = await listListeners(db, { loadBalancerArns: [lbArn], limit: size + 1, ...(after && { after }) });
  } else {
    const found = await getListeners(
      db,
      arns!.filter((a) => checkArn(ctx.scope, a, 'listener')),
    );
    if (found.length < new Set(arns).size) throw listenerNotFound();
    items = found
      .sort(byPosition)
      .filter(
        (l) => after === undefined || byPosition(l, { loadBalancerArn: after.lb, port: after.port }) > 0,
      )
      .slice(0, size + 1);
  }
  const { page, nextMarker } = pageOf(items, size, (l) => ({ lb: l.loadBalancerArn, port: l.port }));
  const defaults = await defaultRulesOf(
    db,
    page.map((l) => l.arn),
  );
  return {
    Listeners: page.map((l) => listenerView(l, defaults.get(l.arn))),
    ...(nextMarker && { NextMarker: nextMarker }),
  };
}
