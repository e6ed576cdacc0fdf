import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** A tag as ECS spells it (lowercase members). */
export interface Tag {
  key: string;
  value: string;
}

export async function getTags(db: Kysely<Database>, resourceArn: string): Promise<Tag[]> {
  const rows = await db
    .selectFrom('tags')
    .select(['key', 'value'])
    .where('resource_arn', '=', resourceArn)
    .orderBy('key')
    .execute();
  return rows.map((r) => ({ key: r.key, value: r.value }));
}

/** Adds tags, replacing the value of keys the resource already has. */
export async function putTags(
  db: Kysely<Database>,
  resourceArn: string,
  tags: readonly Tag[],
): Promise<void> {
  for (const t of tags) {
    await db
      .insertInto('tags')
      .values({ resource_arn: resourceArn, key: t.key, value: t.value })
      .onConflict((oc) => oc.columns(['resource_arn', 'key']).doUpdateSet({ value: t.value }))
      .execute();
  }
}

export async function deleteTags(
  db: Kysely<Database>,
  resourceArn: string,
  keys?: readonly string[],
): Promise<void> {
  let q = db.deleteFrom('tags').where('resource_arn', '=', resourceArn);
  if (keys) {
    if (keys.length === 0) return;
    q = q.where('key', 'in', keys);
  }
  await q.execute();
}
