import type { Kysely } from 'kysely';
import type { RepoKey } from './ecr-images.ts';
import type { Database } from './schema.ts';

/** Records that a repository holds a blob (pushed, mounted or referenced); idempotent. */
export async function linkBlob(
  db: Kysely<Database>,
  k: RepoKey,
  digest: string,
  sizeBytes: number,
  now: number,
): Promise<void> {
  await db
    .insertInto('registry_blobs')
    .values({
      account: k.scope.account,
      region: k.scope.region,
      repository: k.repository,
      digest,
      size_bytes: sizeBytes,
      linked_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The blob's size when the repository holds it. */
export async function blobLinkSize(
  db: Kysely<Database>,
  k: RepoKey,
  digest: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('registry_blobs')
    .select('size_bytes')
    .where('account', '=', k.scope.account)
    .where('region', '=', k.scope.region)
    .where('repository', '=', k.repository)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return row?.size_bytes;
}

export async function unlinkBlob(db: Kysely<Database>, k: RepoKey, digest: string): Promise<boolean> {
  const r = await db
    .deleteFrom('registry_blobs')
    .where('account', '=', k.scope.account)
    .where('region', '=', k.scope.region)
    .where('repository', '=', k.repository)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Unlinks those of `digests` that no image left in the repository references. */
export async function unlinkUnreferenced(
  db: Kysely<Database>,
  k: RepoKey,
  digests: readonly string[],
): Promise<void> {
  if (digests.length === 0) return;
  await db
    .deleteFrom('registry_blobs')
    .where('account', '=', k.scope.account)
    .where('region', '=', k.scope.region)
    .where('repository', '=', k.repository)
    .where('digest', 'in', digests)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ecr_image_refs as r')
            .select('r.ref_digest')
            .whereRef('r.account', '=', 'registry_blobs.account')
            .whereRef('r.region', '=', 'registry_blobs.region')
            .whereRef('r.repository', '=', 'registry_blobs.repository')
            .whereRef('r.ref_digest', '=', 'registry_blobs.digest'),
        ),
      ),
    )
    .execute();
}

/** Unlinks blobs pushed before `cutoff` that no image references: abandoned pushes. */
export async function expireUnreferencedLinks(db: Kysely<Database>, cutoff: number): Promise<void> {
  await db
    .deleteFrom('registry_blobs')
    .where('linked_at', '<', cutoff)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ecr_image_refs as r')
            .select('r.ref_digest')
            .whereRef('r.account', '=', 'registry_blobs.account')
            .whereRef('r.region', '=', 'registry_blobs.region')
            .whereRef('r.repository', '=', 'registry_blobs.repository')
            .whereRef('r.ref_digest', '=', 'registry_blobs.digest'),
        ),
      ),
    )
    .execute();
}

/** Those of `digests` that some repository of any account still holds. */
export async function linkedDigests(db: Kysely<Database>, digests: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < digests.length; i += 500) {
    const chunk = digests.slice(i, i + 500);
    const rows = await db
      .selectFrom('registry_blobs')
      .select('digest')
      .distinct()
      .where('digest', 'in', chunk)
      .execute();
    for (const r of rows) out.add(r.digest);
  }
  return out;
}
