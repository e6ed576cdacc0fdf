import { type Kysely, sql } from 'kysely';
import type { LbType } from '../core/elbv2/elbv2-arn.ts';
import type { LbScheme, LbState, LbZone, LoadBalancerRecord } from '../core/elbv2/elbv2-records.ts';
import type { Scope } from '../core/scope.ts';
import type { Database, LoadBalancerRow } from './schema.ts';
import type { Dialect } from './store.ts';

/** What a load balancer row keeps in its doc. */
interface LoadBalancerDoc {
  vpcId: string;
  zones: LbZone[];
  securityGroups: string[];
  attributes: Record<string, string>;
}

const toRecord = (r: LoadBalancerRow): LoadBalancerRecord => {
  const doc = JSON.parse(r.doc) as LoadBalancerDoc;
  return {
    arn: r.arn,
    scope: { account: r.account, region: r.region },
    name: r.name,
    type: r.type as LbType,
    scheme: r.scheme as LbScheme,
    state: r.state as LbState,
    host: r.host,
    address: r.address,
    dnsName: r.dns_name,
    vpcId: doc.vpcId,
    zones: doc.zones,
    securityGroups: doc.securityGroups,
    attributes: doc.attributes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
};

const docOf = (lb: LoadBalancerRecord): string =>
  JSON.stringify({
    vpcId: lb.vpcId,
    zones: lb.zones,
    securityGroups: lb.securityGroups,
    attributes: lb.attributes,
  } satisfies LoadBalancerDoc);

export async function getLoadBalancer(
  db: Kysely<Database>,
  arn: string,
): Promise<LoadBalancerRecord | undefined> {
  const r = await db.selectFrom('load_balancers').selectAll().where('arn', '=', arn).executeTakeFirst();
  return r && toRecord(r);
}

export async function getLoadBalancerByName(
  db: Kysely<Database>,
  scope: Scope,
  name: string,
): Promise<LoadBalancerRecord | undefined> {
  const r = await db
    .selectFrom('load_balancers')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('name', '=', name)
    .executeTakeFirst();
  return r && toRecord(r);
}

/**
 * Holds a load balancer's row until the transaction ends, so writes to its listeners and rules
 * (ports, priorities, rule counts) happen one after the other; PostgreSQL locks the row, SQLite
 * has one writer anyway. Undefined when it does not exist.
 */
export async function lockLoadBalancer(
  db: Kysely<Database>,
  arn: string,
): Promise<LoadBalancerRecord | undefined> {
  await db
    .updateTable('load_balancers')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('arn', '=', arn)
    .execute();
  return getLoadBalancer(db, arn);
}

export async function insertLoadBalancer(db: Kysely<Database>, lb: LoadBalancerRecord): Promise<void> {
  await db
    .insertInto('load_balancers')
    .values({
      arn: lb.arn,
      account: lb.scope.account,
      region: lb.scope.region,
      name: lb.name,
      type: lb.type,
      scheme: lb.scheme,
      state: lb.state,
      host: lb.host,
      address: lb.address,
      dns_name: lb.dnsName,
      doc: docOf(lb),
      created_at: lb.createdAt,
      updated_at: lb.updatedAt,
    })
    .execute();
}

export async function updateLoadBalancerAttributes(
  db: Kysely<Database>,
  lb: LoadBalancerRecord,
  attributes: Record<string, string>,
  now: number,
): Promise<void> {
  await db
    .updateTable('load_balancers')
    .set({ doc: docOf({ ...lb, attributes }), updated_at: now })
    .where('arn', '=', lb.arn)
    .execute();
}

/** Marks load balancers active once the data plane runs them; only those still provisioning change. */
export async function activateLoadBalancers(
  db: Kysely<Database>,
  arns: readonly string[],
  now: number,
): Promise<string[]> {
  if (arns.length === 0) return [];
  const rows = await db
    .updateTable('load_balancers')
    .set({ state: 'active', updated_at: now })
    .where('arn', 'in', arns)
    .where('state', '=', 'provisioning')
    .returning('arn')
    .execute();
  return rows.map((r) => r.arn);
}

/** Load balancers of an account and region, by name after `after`; `arns` or `names` restrict them. */
export async function listLoadBalancers(
  db: Kysely<Database>,
  scope: Scope,
  page: { after?: string; limit: number; arns?: readonly string[]; names?: readonly string[] },
): Promise<LoadBalancerRecord[]> {
  if (page.arns?.length === 0 || page.names?.length === 0) return [];
  let q = db
    .selectFrom('load_balancers')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region);
  if (page.arns) q = q.where('arn', 'in', page.arns);
  if (page.names) q = q.where('name', 'in', page.names);
  if (page.after !== undefined) q = q.where('name', '>', page.after);
  return (await q.orderBy('name').limit(page.limit).execute()).map(toRecord);
}

export async function countLoadBalancers(db: Kysely<Database>, scope: Scope, type: LbType): Promise<number> {
  const r = await db
    .selectFrom('load_balancers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('type', '=', type)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every load balancer a host runs, oldest first. */
export async function loadBalancersOfHost(db: Kysely<Database>, host: string): Promise<LoadBalancerRecord[]> {
  const rows = await db
    .selectFrom('load_balancers')
    .selectAll()
    .where('host', '=', host)
    .orderBy('created_at')
    .orderBy('arn')
    .execute();
  return rows.map(toRecord);
}

/**
 * Holds a host's loopback addresses until the transaction ends, so load balancers made at the
 * same time take addresses one after the other instead of all racing for the same next one.
 * PostgreSQL takes a transaction-scoped advisory lock; SQLite has one writer anyway.
 */
export async function lockHostAddresses(db: Kysely<Database>, dialect: Dialect, host: string): Promise<void> {
  if (dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext(${`lb-addresses/${host}`}))`.execute(db);
}

/** The loopback addresses a host's load balancers hold, and the one given out last. */
export async function heldAddresses(
  db: Kysely<Database>,
  host: string,
): Promise<{ held: string[]; last: string | undefined }> {
  const rows = await db
    .selectFrom('load_balancers')
    .select(['address', 'created_at'])
    .where('host', '=', host)
    .orderBy('created_at', 'desc')
    .execute();
  return { held: rows.map((r) => r.address), last: rows[0]?.address };
}

/** The ARNs of a load balancer's listeners and rules (for their tags). */
export async function childArnsOfLoadBalancer(db: Kysely<Database>, arn: string): Promise<string[]> {
  const listeners = await db
    .selectFrom('lb_listeners')
    .select('arn')
    .where('load_balancer_arn', '=', arn)
    .execute();
  const rules = await db.selectFrom('lb_rules').select('arn').where('load_balancer_arn', '=', arn).execute();
  return [...listeners, ...rules].map((r) => r.arn);
}

/** Deletes a load balancer with its listeners, rules and their target group links (tags are the caller's). */
export async function deleteLoadBalancer(db: Kysely<Database>, arn: string): Promise<void> {
  await db.deleteFrom('lb_rule_target_groups').where('load_balancer_arn', '=', arn).execute();
  await db.deleteFrom('lb_rules').where('load_balancer_arn', '=', arn).execute();
  await db.deleteFrom('lb_listeners').where('load_balancer_arn', '=', arn).execute();
  await db.deleteFrom('load_balancers').where('arn', '=', arn).execute();
}
