import type { Kysely } from 'kysely';
import { type ElbResourceKind, parseElbArn } from '../../core/elbv2/elbv2-arn.ts';
import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type {
  ListenerRecord,
  LoadBalancerRecord,
  RuleRecord,
  TargetGroupRecord,
} from '../../core/elbv2/elbv2-records.ts';
import type { Scope } from '../../core/scope.ts';
import { getListener } from '../../store/lb-listeners.ts';
import { getRule } from '../../store/lb-rules.ts';
import { getLoadBalancer, lockLoadBalancer } from '../../store/load-balancers.ts';
import type { Database } from '../../store/schema.ts';
import { getTargetGroup, lockTargetGroup } from '../../store/target-groups.ts';

export const loadBalancerNotFound = () =>
  elbError('LoadBalancerNotFound', 'One or more load balancers not found');
export const targetGroupNotFound = () =>
  elbError('TargetGroupNotFound', 'One or more target groups not found');
export const listenerNotFound = () => elbError('ListenerNotFound', 'One or more listeners not found');
export const ruleNotFound = () => elbError('RuleNotFound', 'One or more rules not found');

/**
 * Whether `arn` can name a resource of `kind` in the caller's scope: text that is not an ELB ARN
 * of that kind is refused as ELB refuses it; one of another account or region names nothing.
 */
export function checkArn(scope: Scope, arn: string, kind: ElbResourceKind): boolean {
  const parsed = parseElbArn(arn);
  if (parsed?.kind !== kind) throw validationError(`'${arn}' must be in ARN format`);
  return parsed.scope.account === scope.account && parsed.scope.region === scope.region;
}

export async function requireLoadBalancer(
  db: Kysely<Database>,
  scope: Scope,
  arn: string,
  opts: { lock?: boolean } = {},
): Promise<LoadBalancerRecord> {
  const lb = checkArn(scope, arn, 'loadbalancer')
    ? await (opts.lock ? lockLoadBalancer(db, arn) : getLoadBalancer(db, arn))
    : undefined;
  if (!lb) throw loadBalancerNotFound();
  return lb;
}

export async function requireTargetGroup(
  db: Kysely<Database>,
  scope: Scope,
  arn: string,
  opts: { lock?: boolean } = {},
): Promise<TargetGroupRecord> {
  const tg = checkArn(scope, arn, 'targetgroup')
    ? await (opts.lock ? lockTargetGroup(db, arn) : getTargetGroup(db, arn))
    : undefined;
  if (!tg) throw targetGroupNotFound();
  return tg;
}

export async function requireListener(
  db: Kysely<Database>,
  scope: Scope,
  arn: string,
): Promise<ListenerRecord> {
  const l = checkArn(scope, arn, 'listener') ? await getListener(db, arn) : undefined;
  if (!l) throw listenerNotFound();
  return l;
}

export async function requireRule(db: Kysely<Database>, scope: Scope, arn: string): Promise<RuleRecord> {
  const r = checkArn(scope, arn, 'listener-rule') ? await getRule(db, arn) : undefined;
  if (!r) throw ruleNotFound();
  return r;
}
