import type { Kysely } from 'kysely';
import {
  forwardedGroups,
  type ListenerRecord,
  type LoadBalancerRecord,
  type RuleAction,
  type RuleCondition,
  type RuleRecord,
  type TargetGroupRecord,
  type TargetRecord,
} from '../core/elbv2/elbv2-records.ts';
import { NLB_TCP_IDLE_TIMEOUT_SECONDS } from '../core/elbv2/lb-attributes.ts';
import type {
  ActionPlan,
  ConditionPlan,
  HealthCheckPlan,
  LbPlan,
  LoadBalancerPlan,
  RulePlan,
  TargetGroupPlan,
} from '../lb/lb-plan.ts';
import { listenersOf } from '../store/lb-listeners.ts';
import { rulesOf } from '../store/lb-rules.ts';
import { targetsOf } from '../store/lb-targets.ts';
import { loadBalancersOfHost } from '../store/load-balancers.ts';
import type { Database } from '../store/schema.ts';
import { getTargetGroups } from '../store/target-groups.ts';

/** Everything a host's plan is made of, as the store holds it. */
export interface LbPlanInput {
  loadBalancers: readonly LoadBalancerRecord[];
  listeners: readonly ListenerRecord[];
  rules: readonly RuleRecord[];
  targetGroups: readonly TargetGroupRecord[];
  targets: readonly TargetRecord[];
}

/** Reads what a host's load balancers are made of (targets as of `now`). */
export async function readLbPlanInput(db: Kysely<Database>, host: string, now: number): Promise<LbPlanInput> {
  const loadBalancers = await loadBalancersOfHost(db, host);
  const lbArns = loadBalancers.map((lb) => lb.arn);
  const listeners = await listenersOf(db, lbArns);
  const rules = await rulesOf(db, lbArns);
  const targetGroups = await getTargetGroups(db, forwardedGroups(rules.flatMap((r) => r.actions)));
  const targets = await targetsOf(
    db,
    targetGroups.map((tg) => tg.arn),
    now,
  );
  return { loadBalancers, listeners, rules, targetGroups, targets };
}

/**
 * The plan of a host's data plane: every load balancer with its listeners and their rules (by
 * priority, the default rule last), and every target group a rule forwards to, with the targets
 * registered or still draining at `now`. Groups no rule forwards to are left out: ELB does not
 * check or route to them (their targets are `unused`). Pure, so the same store gives the same plan.
 */
export function buildLbPlan(input: LbPlanInput, now: number): LbPlan {
  const rulesOfListener = groupBy(input.rules, (r) => r.listenerArn);
  const listenersOfLb = groupBy(input.listeners, (l) => l.loadBalancerArn);
  const loadBalancers = input.loadBalancers.map(
    (lb): LoadBalancerPlan => ({
      arn: lb.arn,
      type: lb.type,
      address: lb.address,
      dnsName: lb.dnsName,
      idleTimeoutMs:
        1000 *
        (lb.type === 'application'
          ? Number(lb.attributes['idle_timeout.timeout_seconds'] ?? 60)
          : NLB_TCP_IDLE_TIMEOUT_SECONDS),
      listeners: [...(listenersOfLb.get(lb.arn) ?? [])]
        .sort((a, b) => a.port - b.port)
        .map((l) => ({
          arn: l.arn,
          port: l.port,
          protocol: l.protocol,
          rules: [...(rulesOfListener.get(l.arn) ?? [])].sort(byPriority).map(rulePlan),
        })),
    }),
  );
  const used = new Set(forwardedGroups(input.rules.flatMap((r) => r.actions)));
  const targetsOfGroup = groupBy(input.targets, (t) => t.targetGroupArn);
  const targetGroups = input.targetGroups
    .filter((tg) => used.has(tg.arn))
    .sort((a, b) => (a.arn < b.arn ? -1 : 1))
    .map((tg) => targetGroupPlan(tg, targetsOfGroup.get(tg.arn) ?? [], now));
  return { loadBalancers, targetGroups };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

const byPriority = (a: RuleRecord, b: RuleRecord) =>
  (a.priority ?? Number.POSITIVE_INFINITY) - (b.priority ?? Number.POSITIVE_INFINITY);

function rulePlan(r: RuleRecord): RulePlan {
  return {
    arn: r.arn,
    priority: r.priority ?? 'default',
    conditions: r.conditions.map(conditionPlan),
    actions: [...r.actions].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)).map(actionPlan),
  };
}

function conditionPlan(c: RuleCondition): ConditionPlan {
  switch (c.field) {
    case 'http-header':
      return { field: c.field, name: c.name, values: c.values };
    case 'query-string':
      return {
        field: c.field,
        values: c.pairs.map((p) => ({ ...(p.key !== undefined && { key: p.key }), value: p.value })),
      };
    default:
      return { field: c.field, values: c.values };
  }
}

function actionPlan(a: RuleAction): ActionPlan {
  switch (a.type) {
    case 'forward':
      return {
        type: 'forward',
        targetGroups: a.targetGroups.map((t) => ({ arn: t.arn, weight: t.weight })),
        ...(a.stickiness.enabled && {
          stickiness: { enabled: true, durationSeconds: a.stickiness.durationSeconds ?? 0 },
        }),
      };
    case 'fixed-response':
      return {
        type: 'fixed-response',
        statusCode: a.statusCode,
        ...(a.contentType !== undefined && { contentType: a.contentType }),
        ...(a.messageBody !== undefined && { messageBody: a.messageBody }),
      };
    case 'redirect':
      return {
        type: 'redirect',
        protocol: a.protocol,
        host: a.host,
        port: a.port,
        path: a.path,
        query: a.query,
        statusCode: a.statusCode,
      };
  }
}

function targetGroupPlan(
  tg: TargetGroupRecord,
  targets: readonly TargetRecord[],
  now: number,
): TargetGroupPlan {
  const attr = tg.attributes;
  const stickinessType = (attr['stickiness.type'] ?? 'lb_cookie') as TargetGroupPlan['stickiness']['type'];
  const cookieName = attr['stickiness.app_cookie.cookie_name'];
  return {
    arn: tg.arn,
    protocol: tg.protocol,
    port: tg.port,
    healthCheck: healthCheckPlan(tg),
    stickiness: {
      enabled: attr['stickiness.enabled'] === 'true',
      type: stickinessType,
      durationSeconds: Number(
        (stickinessType === 'app_cookie'
          ? attr['stickiness.app_cookie.duration_seconds']
          : attr['stickiness.lb_cookie.duration_seconds']) ?? 0,
      ),
      ...(stickinessType === 'app_cookie' && cookieName && { cookieName }),
    },
    // weighted_random is recorded but routed round robin: the data plane has no anomaly detection.
    algorithm:
      attr['load_balancing.algorithm.type'] === 'least_outstanding_requests'
        ? 'least_outstanding_requests'
        : 'round_robin',
    targets: targets
      .filter((t) => t.drainingUntil === undefined || t.drainingUntil > now)
      .map((t) => ({
        id: t.id,
        port: t.port,
        ...(t.drainingUntil !== undefined && { drainingUntil: t.drainingUntil }),
      })),
  };
}

function healthCheckPlan(tg: TargetGroupRecord): HealthCheckPlan {
  const hc = tg.healthCheck;
  return {
    enabled: hc.enabled,
    protocol: hc.protocol,
    port: hc.port === 'traffic-port' ? 'traffic-port' : Number(hc.port),
    path: hc.path ?? '/',
    intervalMs: hc.intervalSeconds * 1000,
    timeoutMs: hc.timeoutSeconds * 1000,
    healthyThreshold: hc.healthyThreshold,
    unhealthyThreshold: hc.unhealthyThreshold,
    matcher: hc.matcher?.HttpCode ?? hc.matcher?.GrpcCode ?? '200',
  };
}
