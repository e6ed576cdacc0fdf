import type { Kysely } from 'kysely';
import type { TargetGroupRecord } from '../core/elbv2/elbv2-records.ts';
import type { Scope } from '../core/scope.ts';
import type { Database, TargetGroupRow } from './schema.ts';

type TargetGroupDoc = Omit<TargetGroupRecord, 'arn' | 'scope' | 'name' | 'createdAt' | 'updatedAt'>;

const toRecord = (r: TargetGroupRow): TargetGroupRecord => ({
  ...(JSON.parse(r.doc) as TargetGroupDoc),
  arn: r.arn,
  scope: { account: r.account, region: r.region },
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const docOf = ({ arn: _a, scope: _s, name: _n, createdAt: _c, updatedAt: _u, ...doc }: TargetGroupRecord) =>
  JSON.stringify(doc satisfies TargetGroupDoc);

export async function getTargetGroup(
  db: Kysely<Database>,
  arn: string,
): Promise<TargetGroupRecord | undefined> {
  const r = await db.selectFrom('target_groups').selectAll().where('arn', '=', arn).executeTakeFirst();
  return r && toRecord(r);
}

export async function getTargetGroupByName(
  db: Kysely<Database>,
  scope: Scope,
  name: string,
): Promise<TargetGroupRecord | undefined> {
  const r = await db
    .selectFrom('target_groups')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .executeTakeFirst();
  return r && toRecord(r);
}

/** Target groups by ARN, those that exist. */
export async function getTargetGroups(
  db: Kysely<Database>,
  arns: readonly string[],
): Promise<TargetGroupRecord[]> {
  if (arns.length === 0) return [];
  return (await db.selectFrom('target_groups').selectAll().where('arn', 'in', arns).execute()).map(toRecord);
}

/** Holds a target group's row until the transaction ends, so writes to it and its targets happen one after the other. */
export async function lockTargetGroup(
  db: Kysely<Database>,
  arn: string,
): Promise<TargetGroupRecord | undefined> {
  await db
    .updateTable('target_groups')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('arn', '=', arn)
    .execute();
  return getTargetGroup(db, arn);
}

export async function insertTargetGroup(db: Kysely<Database>, tg: TargetGroupRecord): Promise<void> {
  await db
    .insertInto('target_groups')
    .values({
      arn: tg.arn,
      account: tg.scope.account,
      region: tg.scope.region,
      name: tg.name,
      doc: docOf(tg),
      created_at: tg.createdAt,
      updated_at: tg.updatedAt,
    })
    .execute();
}

/** Writes a target group's settings (health check, attributes) as they now are. */
export async function updateTargetGroup(db: Kysely<Database>, tg: TargetGroupRecord): Promise<void> {
  await db
    .updateTable('target_groups')
    .set({ doc: docOf(tg), updated_at: tg.updatedAt })
    .where('arn', '=', tg.arn)
    .execute();
}

/**
 * Target groups of an account and region, by name after `after`; `arns`, `names` or a load
 * balancer (the groups its rules forward to) restrict them.
 */
export async function listTargetGroups(
  db: Kysely<Database>,
  scope: Scope,
  page: {
    after?: string;
    limit: number;
    arns?: readonly string[];
    names?: readonly string[];
    loadBalancerArn?: string;
  },
): Promise<TargetGroupRecord[]> {
  if (page.arns?.length === 0 || page.names?.length === 0) return [];
  let q = db
    .selectFrom('target_groups')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region);
  if (page.arns) q = q.where('arn', 'in', page.arns);
  if (page.names) q = q.where('name', 'in', page.names);
  if (page.loadBalancerArn !== undefined) {
    const lb = page.loadBalancerArn;
    q = q.where('arn', 'in', (eb) =>
      eb.selectFrom('lb_rule_target_groups').select('target_group_arn').where('load_balancer_arn', '=', lb),
    );
  }
  if (page.after !== undefined) q = q.where('name', '>', page.after);
  return (await q.orderBy('name').limit(page.limit).execute()).map(toRecord);
}

export async function countTargetGroups(db: Kysely<Database>, scope: Scope): Promise<number> {
  const r = await db
    .selectFrom('target_groups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The load balancers whose rules forward to each of these target groups. */
export async function loadBalancersOfTargetGroups(
  db: Kysely<Database>,
  arns: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(arns.map((a) => [a, []]));
  if (arns.length === 0) return out;
  const rows = await db
    .selectFrom('lb_rule_target_groups')
    .select(['target_group_arn', 'load_balancer_arn'])
    .distinct()
    .where('target_group_arn', 'in', arns)
    .orderBy('load_balancer_arn')
    .execute();
  for (const r of rows) out.get(r.target_group_arn)?.push(r.load_balancer_arn);
  return out;
}

/** Whether any rule (a listener's default rule included) forwards to the target group. */
export async function isTargetGroupInUse(db: Kysely<Database>, arn: string): Promise<boolean> {
  const r = await db
    .selectFrom('lb_rule_target_groups')
    .select('rule_arn')
    .where('target_group_arn', '=', arn)
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/** Deletes a target group and its targets (tags are the caller's). */
export async function deleteTargetGroup(db: Kysely<Database>, arn: string): Promise<void> {
  await db.deleteFrom('lb_targets').where('target_group_arn', '=', arn).execute();
  await db.deleteFrom('target_groups').where('arn', '=', arn).execute();
}
