import type {
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { readGroupHealth } from '../../control/target-health.ts';
import type { TargetRecord } from '../../core/elbv2/elbv2-records.ts';
import type { Wire } from '../../core/wire.ts';
import { targetsOf } from '../../store/lb-targets.ts';
import type { OperationContext } from '../operation.ts';
import { requireTargetGroup } from './elbv2-lookup.ts';
import { targetKey } from './target-placement.ts';

/**
 * The health of a group's targets (or of those named): what the host's data plane found, after
 * what only the control plane knows (draining, unused, registration still in progress).
 */
export async function describeTargetHealth(
  ctx: OperationContext,
  input: Wire<DescribeTargetHealthInput>,
): Promise<Wire<DescribeTargetHealthOutput>> {
  const db = ctx.deps.store.db;
  const tg = await requireTargetGroup(db, ctx.scope, input.TargetGroupArn!);
  const targets = await targetsOf(db, [tg.arn], ctx.now);
  const dataPlane = ctx.deps.lb.dataPlane;
  const health = await readGroupHealth(db, tg, dataPlane && ((arn) => dataPlane.targetHealth(arn)));
  const describe = (t: TargetRecord | undefined, id: string, port: number) => ({
    Target: {
      Id: id,
      Port: port,
      ...(t?.availabilityZone !== undefined && { AvailabilityZone: t.availabilityZone }),
    },
    HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(port) : tg.healthCheck.port,
    TargetHealth: health(t, id, port),
  });
  if (input.Targets === undefined)
    return { TargetHealthDescriptions: targets.map((t) => describe(t, t.id, t.port)) };
  const out = [];
  for (const asked of input.Targets) {
    const { id } = targetKey(tg, asked);
    const matching = targets.filter(
      (t) => t.id === id && (asked.Port === undefined || t.port === asked.Port),
    );
    if (matching.length === 0) out.push(describe(undefined, id, asked.Port ?? tg.port));
    for (const t of matching) out.push(describe(t, t.id, t.port));
  }
  return { TargetHealthDescriptions: out };
}
