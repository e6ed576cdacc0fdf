import type { Kysely } from 'kysely';
import {
  forwardedGroups,
  type RuleAction,
  type RuleCondition,
  type RuleRecord,
} from '../core/elbv2/elbv2-records.ts';
import type { Database, ListenerRuleRow } from './schema.ts';

interface RuleDoc {
  conditions: RuleCondition[];
  actions: RuleAction[];
}

const toRecord = (r: ListenerRuleRow): RuleRecord => {
  const doc = JSON.parse(r.doc) as RuleDoc;
  return {
    arn: r.arn,
    listenerArn: r.listener_arn,
    loadBalancerArn: r.load_balancer_arn,
    priority: r.priority,
    conditions: doc.conditions,
    actions: doc.actions,
    createdAt: r.created_at,
  };
};

export async function getRule(db: Kysely<Database>, arn: string): Promise<RuleRecord | undefined> {
  const r = await db.selectFrom('lb_rules').selectAll().where('arn', '=', arn).executeTakeFirst();
  return r && toRecord(r);
}

export async function getRules(db: Kysely<Database>, arns: readonly string[]): Promise<RuleRecord[]> {
  if (arns.length === 0) return [];
  return (await db.selectFrom('lb_rules').selectAll().where('arn', 'in', arns).execute()).map(toRecord);
}

/** A listener's default rule: the one without a priority. */
export async function getDefaultRule(
  db: Kysely<Database>,
  listenerArn: string,
): Promise<RuleRecord | undefined> {
  const r = await db
    .selectFrom('lb_rules')
    .selectAll()
    .where('listener_arn', '=', listenerArn)
    .where('priority', 'is', null)
    .executeTakeFirst();
  return r && toRecord(r);
}

/** Default rules of many listeners, by listener ARN. */
export async function defaultRulesOf(
  db: Kysely<Database>,
  listenerArns: readonly string[],
): Promise<Map<string, RuleRecord>> {
  if (listenerArns.length === 0) return new Map();
  const rows = await db
    .selectFrom('lb_rules')
    .selectAll()
    .where('listener_arn', 'in', listenerArns)
    .where('priority', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.listener_arn, toRecord(r)]));
}

/** A rule and the target groups it forwards to. */
export async function insertRule(db: Kysely<Database>, r: RuleRecord): Promise<void> {
  await db
    .insertInto('lb_rules')
    .values({
      arn: r.arn,
      listener_arn: r.listenerArn,
      load_balancer_arn: r.loadBalancerArn,
      priority: r.priority,
      doc: JSON.stringify({ conditions: r.conditions, actions: r.actions } satisfies RuleDoc),
      created_at: r.createdAt,
    })
    .execute();
  await linkTargetGroups(db, r);
}

/** Rewrites a rule's conditions and actions (and the target groups it forwards to). */
export async function updateRule(db: Kysely<Database>, r: RuleRecord): Promise<void> {
  await db
    .updateTable('lb_rules')
    .set({ doc: JSON.stringify({ conditions: r.conditions, actions: r.actions } satisfies RuleDoc) })
    .where('arn', '=', r.arn)
    .execute();
  await db.deleteFrom('lb_rule_target_groups').where('rule_arn', '=', r.arn).execute();
  await linkTargetGroups(db, r);
}

async function linkTargetGroups(db: Kysely<Database>, r: RuleRecord) {
  const groups = forwardedGroups(r.actions);
  if (groups.length === 0) return;
  await db
    .insertInto('lb_rule_target_groups')
    .values(
      groups.map((g) => ({ rule_arn: r.arn, target_group_arn: g, load_balancer_arn: r.loadBalancerArn })),
    )
    .execute();
}

/**
 * Gives rules new priorities in one go. Each first moves out of the way (to minus its new
 * priority), so swapping two rules' priorities never meets the listener's unique index halfway.
 */
export async function setRulePriorities(
  db: Kysely<Database>,
  changes: readonly { arn: string; priority: number }[],
): Promise<void> {
  for (const c of changes)
    await db.updateTable('lb_rules').set({ priority: -c.priority }).where('arn', '=', c.arn).execute();
  for (const c of changes)
    await db.updateTable('lb_rules').set({ priority: c.priority }).where('arn', '=', c.arn).execute();
}

/** A listener's rules by priority, its default rule last; `after` is a position from a previous page. */
export async function listRules(
  db: Kysely<Database>,
  listenerArn: string,
  page: { after?: number | 'default'; limit: number },
): Promise<RuleRecord[]> {
  if (page.after === 'default') return [];
  const after = page.after;
  const prioritised = await db
    .selectFrom('lb_rules')
    .selectAll()
    .where('listener_arn', '=', listenerArn)
    .where('priority', 'is not', null)
    .$if(after !== undefined, (q) => q.where('priority', '>', after as number))
    .orderBy('priority')
    .limit(page.limit)
    .execute();
  const rules = prioritised.map(toRecord);
  if (rules.length < page.limit) {
    const d = await getDefaultRule(db, listenerArn);
    if (d) rules.push(d);
  }
  return rules;
}

/** The rules of these load balancers' listeners, by listener, by priority, default rules last. */
export async function rulesOf(
  db: Kysely<Database>,
  loadBalancerArns: readonly string[],
): Promise<RuleRecord[]> {
  if (loadBalancerArns.length === 0) return [];
  const rows = await db
    .selectFrom('lb_rules')
    .selectAll()
    .where('load_balancer_arn', 'in', loadBalancerArns)
    .execute();
  return rows
    .map(toRecord)
    .sort(
      (a, b) =>
        (a.listenerArn < b.listenerArn ? -1 : a.listenerArn > b.listenerArn ? 1 : 0) ||
        (a.priority ?? Number.POSITIVE_INFINITY) - (b.priority ?? Number.POSITIVE_INFINITY),
    );
}

/** Rules of a load balancer that are not default rules, which ELB counts against its quota. */
export async function countRules(db: Kysely<Database>, loadBalancerArn: string): Promise<number> {
  const r = await db
    .selectFrom('lb_rules')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('load_balancer_arn', '=', loadBalancerArn)
    .where('priority', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The priorities a listener's rules hold, with the rule holding each. */
export async function prioritiesOf(db: Kysely<Database>, listenerArn: string): Promise<Map<number, string>> {
  const rows = await db
    .selectFrom('lb_rules')
    .select(['arn', 'priority'])
    .where('listener_arn', '=', listenerArn)
    .where('priority', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.priority!, r.arn]));
}

/** The target groups a load balancer's rules forward to. */
export async function targetGroupsOfLoadBalancer(
  db: Kysely<Database>,
  loadBalancerArn: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('lb_rule_target_groups')
    .select('target_group_arn')
    .distinct()
    .where('load_balancer_arn', '=', loadBalancerArn)
    .execute();
  return rows.map((r) => r.target_group_arn);
}

/** The load balancers other than `loadBalancerArn` that forward to any of these groups. */
export async function otherLoadBalancersOf(
  db: Kysely<Database>,
  targetGroupArns: readonly string[],
  loadBalancerArn: string,
): Promise<Map<string, string>> {
  if (targetGroupArns.length === 0) return new Map();
  const rows = await db
    .selectFrom('lb_rule_target_groups')
    .select(['target_group_arn', 'load_balancer_arn'])
    .where('target_group_arn', 'in', targetGroupArns)
    .where('load_balancer_arn', '!=', loadBalancerArn)
    .execute();
  return new Map(rows.map((r) => [r.target_group_arn, r.load_balancer_arn]));
}

export async function deleteRule(db: Kysely<Database>, arn: string): Promise<void> {
  await db.deleteFrom('lb_rule_target_groups').where('rule_arn', '=', arn).execute();
  await db.deleteFrom('lb_rules').where('arn', '=', arn).execute();
}
