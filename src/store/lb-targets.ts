import type { Kysely } from 'kysely';
import type { TargetRecord } from '../core/elbv2/elbv2-records.ts';
import type { Database, LbTargetRow } from './schema.ts';

const toRecord = (r: LbTargetRow): TargetRecord => ({
  targetGroupArn: r.target_group_arn,
  id: r.target_id,
  port: r.port,
  ...(r.availability_zone !== null && { availabilityZone: r.availability_zone }),
  registeredAt: r.registered_at,
  ...(r.draining_until !== null && { drainingUntil: r.draining_until }),
});

/**
 * Registers targets, or registers again ones that are draining (they stop draining). A target
 * already registered keeps its registration time.
 */
export async function registerTargets(
  db: Kysely<Database>,
  targetGroupArn: string,
  targets: readonly { id: string; port: number; availabilityZone?: string }[],
  now: number,
): Promise<void> {
  for (const t of targets) {
    const existing = await db
      .selectFrom('lb_targets')
      .select('draining_until')
      .where('target_group_arn', '=', targetGroupArn)
      .where('target_id', '=', t.id)
      .where('port', '=', t.port)
      .executeTakeFirst();
    if (existing && existing.draining_until === null) continue;
    if (existing) {
      await db
        .updateTable('lb_targets')
        .set({ draining_until: null, registered_at: now, availability_zone: t.availabilityZone ?? null })
        .where('target_group_arn', '=', targetGroupArn)
        .where('target_id', '=', t.id)
        .where('port', '=', t.port)
        .execute();
      continue;
    }
    await db
      .insertInto('lb_targets')
      .values({
        target_group_arn: targetGroupArn,
        target_id: t.id,
        port: t.port,
        availability_zone: t.availabilityZone ?? null,
        registered_at: now,
        draining_until: null,
      })
      .execute();
  }
}

/**
 * Deregisters targets: each drains until `drainUntil` (it takes no new requests while those in
 * flight finish), or is gone at once when `drainUntil` is not after `now`. A target already
 * draining keeps its end.
 */
export async function deregisterTargets(
  db: Kysely<Database>,
  targetGroupArn: string,
  targets: readonly { id: string; port: number }[],
  drainUntil: number,
  now: number,
): Promise<void> {
  for (const t of targets) {
    if (drainUntil <= now) {
      await db
        .deleteFrom('lb_targets')
        .where('target_group_arn', '=', targetGroupArn)
        .where('target_id', '=', t.id)
        .where('port', '=', t.port)
        .execute();
      continue;
    }
    await db
      .updateTable('lb_targets')
      .set({ draining_until: drainUntil })
      .where('target_group_arn', '=', targetGroupArn)
      .where('target_id', '=', t.id)
      .where('port', '=', t.port)
      .where('draining_until', 'is', null)
      .execute();
  }
}

/** A target group's targets as of `now`: registered ones and those still draining, by id and port. */
export async function targetsOf(
  db: Kysely<Database>,
  targetGroupArns: readonly string[],
  now: number,
): Promise<TargetRecord[]> {
  if (targetGroupArns.length === 0) return [];
  const rows = await db
    .selectFrom('lb_targets')
    .selectAll()
    .where('target_group_arn', 'in', targetGroupArns)
    .where((eb) => eb.or([eb('draining_until', 'is', null), eb('draining_until', '>', now)]))
    .orderBy('target_group_arn')
    .orderBy('target_id')
    .orderBy('port')
    .execute();
  return rows.map(toRecord);
}

/** One target of a group by id and port, registered or draining (as of any time), if there. */
export async function getTarget(
  db: Kysely<Database>,
  targetGroupArn: string,
  id: string,
  port: number,
): Promise<TargetRecord | undefined> {
  const row = await db
    .selectFrom('lb_targets')
    .selectAll()
    .where('target_group_arn', '=', targetGroupArn)
    .where('target_id', '=', id)
    .where('port', '=', port)
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function countTargets(
  db: Kysely<Database>,
  targetGroupArn: string,
  now: number,
): Promise<number> {
  const r = await db
    .selectFrom('lb_targets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('target_group_arn', '=', targetGroupArn)
    .where((eb) => eb.or([eb('draining_until', 'is', null), eb('draining_until', '>', now)]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Removes the targets whose draining ended by `now`; returns the target groups they were in. */
export async function purgeDrainedTargets(db: Kysely<Database>, now: number): Promise<string[]> {
  const rows = await db
    .deleteFrom('lb_targets')
    .where('draining_until', 'is not', null)
    .where('draining_until', '<=', now)
    .returning('target_group_arn')
    .execute();
  return [...new Set(rows.map((r) => r.target_group_arn))];
}

/** When the next draining target anywhere ends its drain, if any drains. */
export async function nextDrainEnd(db: Kysely<Database>): Promise<number | undefined> {
  const r = await db
    .selectFrom('lb_targets')
    .select((eb) => eb.fn.min('draining_until').as('at'))
    .where('draining_until', 'is not', null)
    .executeTakeFirst();
  return r?.at === null || r?.at === undefined ? undefined : Number(r.at);
}
