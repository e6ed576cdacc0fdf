import type { Kysely } from 'kysely';
import type { TargetGroupRecord, TargetRecord } from '../core/elbv2/elbv2-records.ts';
import { type TargetHealthView, targetHealthView } from '../core/elbv2/target-health.ts';
import type { TargetHealth } from '../lb/lb-plan.ts';
import { getLoadBalancer } from '../store/load-balancers.ts';
import type { Database } from '../store/schema.ts';
import { loadBalancersOfTargetGroups } from '../store/target-groups.ts';

/** What the host's data plane found of a group's targets (LbDataPlane.targetHealth). */
export type TargetHealthReport = (targetGroupArn: string) => readonly TargetHealth[];

/** Tells the health of a group's targets as ELB reports it. */
export type GroupHealth = (target: TargetRecord | undefined, id: string, port: number) => TargetHealthView;

/**
 * The health of one group's targets, as DescribeTargetHealth reports it and as ECS's scheduler
 * reads it: what only the control plane knows (draining, unused, registration in progress until
 * a load balancer runs), then what the data plane's health checks found.
 */
export async function readGroupHealth(
  db: Kysely<Database>,
  tg: TargetGroupRecord,
  report: TargetHealthReport | undefined,
): Promise<GroupHealth> {
  const lbArns = (await loadBalancersOfTargetGroups(db, [tg.arn])).get(tg.arn) ?? [];
  let running = false;
  for (const arn of lbArns) if ((await getLoadBalancer(db, arn))?.state === 'active') running = true;
  const reported = report?.(tg.arn) ?? [];
  return (target, id, port) => {
    const seen = reported.find((r) => r.id === id && r.port === port);
    return targetHealthView(target, {
      inUse: lbArns.length > 0,
      healthCheckEnabled: tg.healthCheck.enabled,
      running,
      ...(seen && { reported: seen }),
    });
  };
}
