import { type Kysely, sql } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database } from './schema.ts';

/** A manifest stored in a repository, with what it points to. */
export interface ImageRecord {
  digest: string;
  mediaType: string;
  artifactMediaType: string | undefined;
  /** The manifest as pushed. */
  manifest: string;
  sizeBytes: number;
  pushedAt: number;
  lastPulledAt: number | undefined;
}

/** A repository and its scope: the key of everything below. */
export interface RepoKey {
  scope: Scope;
  repository: string;
}

type ImageRow = Database['ecr_images'];

const toImage = (r: ImageRow): ImageRecord => ({
  digest: r.digest,
  mediaType: r.media_type,
  artifactMediaType: r.artifact_media_type ?? undefined,
  manifest: r.manifest,
  sizeBytes: r.size_bytes,
  pushedAt: r.pushed_at,
  lastPulledAt: r.last_pulled_at ?? undefined,
});

const inRepo = <T extends keyof Database>(db: Kysely<Database>, table: T, k: RepoKey) =>
  // biome-ignore lint/suspicious/noExplicitAny: every table here has account, region, repository.
  (db.selectFrom(table as any) as any)
    .where('account', '=', k.scope.account)
    .where('region', '=', k.scope.region)
    .where('repository', '=', k.repository);

export async function getImage(db: Kysely<Database>, k: RepoKey, digest: string) {
  const row = await db
    .selectFrom('ecr_images')
    .selectAll()
    .where('account', '=', k.scope.account)
    .where('region', '=', k.scope.region)
    .where('repository', '=', k.repository)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return row && toImage(row);
}

/** Stores a manifest and its references; one already there keeps its push time. */
export async function putImage(
  db: Kysely<Database>,
  k: RepoKey,
  image: Omit<ImageRecord, 'lastPulledAt'>,
  refs: readonly string[],
): Promise<void> {
  const base = { account: k.scope.account, region: k.scope.region, repository: k.repository };
  await db
    .insertInto('ecr_images')
    .values({
      ...base,
      digest: image.digest,
      media_type: image.mediaType,
      artifact_media_type: image.artifactMediaType ?? null,
      manifest: image.manifest,
      size_bytes: image.sizeBytes,
      pushed_at: image.pushedAt,
      last_pulled_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  for (const ref of new Set(refs)) {
    await db
      .insertInto('ecr_image_refs')
      .values({ ...base, image_digest: image.digest, ref_digest: ref })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

export async function markPulled(db: Kysely<Database>, k: RepoKey, digest: string, now: number) {
  await db
    .updateTable('ecr_images')
    .set({ last_pulled_at: now })
    .where('account', '=', k.scope.account)
    .where('region', '=', k.scope.region)
    .where('repository', '=', k.repository)
    .where('digest', '=', digest)
    .execute();
}

export async function getTag(db: Kysely<Database>, k: RepoKey, tag: string): Promise<string | undefined> {
  const row = await inRepo(db, 'ecr_image_tags', k)
    .select('digest')
    .where('tag', '=', tag)
    .executeTakeFirst();
  return (row as { digest: string } | undefined)?.digest;
}

export async function putTag(db: Kysely<Database>, k: RepoKey, tag: string, digest: string, now: number) {
  await db
    .insertInto('ecr_image_tags')
    .values({
      account: k.scope.account,
      region: k.scope.region,
      repository: k.repository,
      tag,
      digest,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['account', 'region', 'repository', 'tag']).doUpdateSet({ digest, updated_at: now }),
    )
    .execute();
}

export async function deleteTag(db: Kysely<Database>, k: RepoKey, tag: string): Promise<void> {
  await db
    .deleteFrom('ecr_image_tags')
    .where('account', '=', k.scope.account)
    .where('region', '=', k.scope.region)
    .where('repository', '=', k.repository)
    .where('tag', '=', tag)
    .execute();
}

/** Tags of each digest, sorted. */
export async function tagsOf(
  db: Kysely<Database>,
  k: RepoKey,
  digests: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(digests.map((d) => [d, []]));
  if (digests.length === 0) return out;
  const rows = (await inRepo(db, 'ecr_image_tags', k)
    .select(['tag', 'digest'])
    .where('digest', 'in', digests)
    .orderBy('tag')
    .execute()) as { tag: string; digest: string }[];
  for (const r of rows) out.get(r.digest)?.push(r.tag);
  return out;
}

/** Tags in name order after `after`. */
export async function listTags(
  db: Kysely<Database>,
  k: RepoKey,
  page: { after?: string | undefined; limit: number },
): Promise<string[]> {
  let q = inRepo(db, 'ecr_image_tags', k).select('tag');
  if (page.after !== undefined) q = q.where('tag', '>', page.after);
  const rows = (await q.orderBy('tag').limit(page.limit).execute()) as { tag: string }[];
  return rows.map((r) => r.tag);
}

/** Images in digest order after `after`. */
export async function listImages(
  db: Kysely<Database>,
  k: RepoKey,
  page: { after?: string | undefined; limit: number; digests?: readonly string[] },
): Promise<ImageRecord[]> {
  let q = db
    .selectFrom('ecr_images')
    .selectAll()
    .where('account', '=', k.scope.account)
    .where('region', '=', k.scope.region)
    .where('repository', '=', k.repository);
  if (page.digests) {
    if (page.digests.length === 0) return [];
    q = q.where('digest', 'in', page.digests);
  }
  if (page.after !== undefined) q = q.where('digest', '>', page.after);
  const rows = await q.orderBy('digest').limit(page.limit).execute();
  return rows.map(toImage);
}

export async function countImages(db: Kysely<Database>, k: RepoKey): Promise<number> {
  const row = (await inRepo(db, 'ecr_images', k)
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow()) as { n: number };
  return Number(row.n);
}

/** Digests of the images in the repository that reference `digest` (indexes naming a manifest). */
export async function referrers(db: Kysely<Database>, k: RepoKey, digest: string): Promise<string[]> {
  const rows = (await inRepo(db, 'ecr_image_refs', k)
    .select('image_digest')
    .where('ref_digest', '=', digest)
    .execute()) as { image_digest: string }[];
  return rows.map((r) => r.image_digest);
}

/** What an image references (blobs, or manifests for an index). */
export async function refsOf(db: Kysely<Database>, k: RepoKey, digest: string): Promise<string[]> {
  const rows = (await inRepo(db, 'ecr_image_refs', k)
    .select('ref_digest')
    .where('image_digest', '=', digest)
    .execute()) as { ref_digest: string }[];
  return rows.map((r) => r.ref_digest);
}

/** Deletes an image with its tags and references; returns the tags it had. */
export async function deleteImage(db: Kysely<Database>, k: RepoKey, digest: string): Promise<string[]> {
  const tags = (await tagsOf(db, k, [digest])).get(digest) ?? [];
  const base = (table: 'ecr_image_tags' | 'ecr_image_refs' | 'ecr_images') =>
    db
      .deleteFrom(table)
      .where('account', '=', k.scope.account)
      .where('region', '=', k.scope.region)
      .where('repository', '=', k.repository);
  await base('ecr_image_tags').where('digest', '=', digest).execute();
  await base('ecr_image_refs').where('image_digest', '=', digest).execute();
  await base('ecr_images').where('digest', '=', digest).execute();
  return tags;
}
