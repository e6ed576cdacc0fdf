import type { Kysely } from 'kysely';
import type { LbProtocol, ListenerRecord } from '../core/elbv2/elbv2-records.ts';
import type { Database, ListenerRow } from './schema.ts';

const toRecord = (r: ListenerRow): ListenerRecord => ({
  arn: r.arn,
  loadBalancerArn: r.load_balancer_arn,
  port: r.port,
  protocol: r.protocol as LbProtocol,
  createdAt: r.created_at,
});

export async function getListener(db: Kysely<Database>, arn: string): Promise<ListenerRecord | undefined> {
  const r = await db.selectFrom('lb_listeners').selectAll().where('arn', '=', arn).executeTakeFirst();
  return r && toRecord(r);
}

export async function getListeners(db: Kysely<Database>, arns: readonly string[]): Promise<ListenerRecord[]> {
  if (arns.length === 0) return [];
  return (await db.selectFrom('lb_listeners').selectAll().where('arn', 'in', arns).execute()).map(toRecord);
}

export async function insertListener(db: Kysely<Database>, l: ListenerRecord): Promise<void> {
  await db
    .insertInto('lb_listeners')
    .values({
      arn: l.arn,
      load_balancer_arn: l.loadBalancerArn,
      port: l.port,
      protocol: l.protocol,
      doc: '{}',
      created_at: l.createdAt,
    })
    .execute();
}

export async function updateListener(db: Kysely<Database>, l: ListenerRecord): Promise<void> {
  await db
    .updateTable('lb_listeners')
    .set({ port: l.port, protocol: l.protocol })
    .where('arn', '=', l.arn)
    .execute();
}

/** The listeners of load balancers, by port; `after` is a position from a previous page. */
export async function listListeners(
  db: Kysely<Database>,
  page: { loadBalancerArns: readonly string[]; after?: { lb: string; port: number }; limit: number },
): Promise<ListenerRecord[]> {
  if (page.loadBalancerArns.length === 0) return [];
  let q = db.selectFrom('lb_listeners').selectAll().where('load_balancer_arn', 'in', page.loadBalancerArns);
  const after = page.after;
  if (after)
    q = q.where((eb) =>
      eb.or([
        eb('load_balancer_arn', '>', after.lb),
        eb.and([eb('load_balancer_arn', '=', after.lb), eb('port', '>', after.port)]),
      ]),
    );
  const rows = await q.orderBy('load_balancer_arn').orderBy('port').limit(page.limit).execute();
  return rows.map(toRecord);
}

export async function countListeners(db: Kysely<Database>, loadBalancerArn: string): Promise<number> {
  const r = await db
    .selectFrom('lb_listeners')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('load_balancer_arn', '=', loadBalancerArn)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every listener of these load balancers, by load balancer and port. */
export async function listenersOf(
  db: Kysely<Database>,
  loadBalancerArns: readonly string[],
): Promise<ListenerRecord[]> {
  if (loadBalancerArns.length === 0) return [];
  const rows = await db
    .selectFrom('lb_listeners')
    .selectAll()
    .where('load_balancer_arn', 'in', loadBalancerArns)
    .orderBy('load_balancer_arn')
    .orderBy('port')
    .execute();
  return rows.map(toRecord);
}

/** Deletes a listener with its rules and their target group links. */
export async function deleteListener(db: Kysely<Database>, arn: string): Promise<void> {
  await db
    .deleteFrom('lb_rule_target_groups')
    .where('rule_arn', 'in', (eb) => eb.selectFrom('lb_rules').select('arn').where('listener_arn', '=', arn))
    .execute();
  await db.deleteFrom('lb_rules').where('listener_arn', '=', arn).execute();
  await db.deleteFrom('lb_listeners').where('arn', '=', arn).execute();
}
