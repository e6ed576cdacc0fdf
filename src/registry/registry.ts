import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Digest } from '../agent/images/digest.ts';
import { isIndexMediaType } from '../agent/images/media-types.ts';
import { hostPlatform, platformMatches } from '../agent/images/platform.ts';
import type { Clock } from '../core/clock.ts';
import { TAG } from '../core/ecr/ecr-names.ts';
import {
  deleteImage,
  deleteTag,
  getImage,
  getTag,
  putImage,
  putTag,
  type RepoKey,
  referrers,
  refsOf,
  tagsOf,
} from '../store/ecr-images.ts';
import { getRepository, type RepositoryRecord } from '../store/ecr-repositories.ts';
import {
  blobLinkSize,
  expireUnreferencedLinks,
  linkBlob,
  linkedDigests,
  unlinkUnreferenced,
} from '../store/registry-blobs.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { BlobStorage } from './blob-storage.ts';
import { checkManifest, isDigestReference } from './manifest-check.ts';
import { RegistryError } from './registry-error.ts';

export interface RegistryOptions {
  store: Store;
  blobs: BlobStorage;
  clock: Clock;
  log: Logger;
  /** Blobs pushed but never used by a manifest, and unfinished uploads, go after this long. @default 24 h */
  abandonedAfterMs?: number;
}

/** A manifest as served. */
export interface ManifestContent {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export interface PutManifestResult {
  digest: Digest;
  /** The image was there already (pushed again, or only tagged). */
  existed: boolean;
  /** What the tag pointed to before, if it was in use. */
  previousTagDigest: string | undefined;
}

/** Why one image could not be deleted, in BatchDeleteImage's words. */
export type DeleteFailure = 'ImageNotFound' | 'ImageReferencedByManifestList';

/**
 * The registry's rules, shared by the `/v2/` HTTP API and the ECR API: repositories must exist,
 * manifests may only point to blobs and manifests their repository holds, tags of immutable
 * repositories do not move, and blobs nothing holds any more are collected.
 */
export class Registry {
  readonly blobs: BlobStorage;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #abandonedAfterMs: number;
  #collecting: Promise<void> | undefined;
  #again = false;

  constructor(o: RegistryOptions) {
    this.blobs = o.blobs;
    this.#store = o.store;
    this.#clock = o.clock;
    this.#log = o.log;
    this.#abandonedAfterMs = o.abandonedAfterMs ?? 24 * 3600_000;
  }

  async repository(db: Kysely<Database>, k: RepoKey): Promise<RepositoryRecord> {
    const repo = await getRepository(db, k.scope, k.repository);
    if (!repo) {
      throw new RegistryError(
        'NAME_UNKNOWN',
        `The repository with name '${k.repository}' does not exist in the registry with id '${k.scope.account}'`,
      );
    }
    return repo;
  }

  /** The size of a blob the repository holds, undefined when it does not (or its bytes are gone). */
  async blobSize(k: RepoKey, digest: Digest): Promise<number | undefined> {
    const linked = await blobLinkSize(this.#store.db, k, digest);
    if (linked === undefined) return undefined;
    return this.blobs.size(digest);
  }

  /** Mounts a blob another repository of the same registry holds; undefined when it does not. */
  async mount(k: RepoKey, from: string, digest: Digest): Promise<number | undefined> {
    const size = await this.blobSize({ scope: k.scope, repository: from }, digest);
    if (size === undefined) return undefined;
    await this.#store.write(async (tx) => {
      await this.repository(tx, k);
      await linkBlob(tx, k, digest, size, this.#clock.now());
    });
    return size;
  }

  /** Completes an upload into the repository once its digest checks. */
  async finishUpload(k: RepoKey, id: string, digest: Digest) {
    return this.blobs.finish(id, digest, (blob) =>
      linkBlob(this.#store.db, k, blob.digest, blob.size, this.#clock.now()),
    );
  }

  async putManifest(
    k: RepoKey,
    reference: string,
    bytes: Buffer,
    contentType: string | undefined,
  ): Promise<PutManifestResult> {
    const m = checkManifest(bytes, contentType);
    if (isDigestReference(reference)) {
      if (reference !== m.digest) {
        throw new RegistryError('DIGEST_INVALID', `Manifest has digest "${m.digest}", not "${reference}"`);
      }
    } else if (!TAG.test(reference)) {
      throw new RegistryError('TAG_INVALID', `Tag "${reference}" is not valid`);
    }
    // Kept as text in the store: it must come back byte for byte, or its digest changes.
    if (!Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)) {
      throw new RegistryError('MANIFEST_INVALID', 'Manifest is not UTF-8');
    }
    return this.#store.write(async (tx) => {
      const repo = await this.repository(tx, k);
      for (const b of m.blobs) {
        if ((await blobLinkSize(tx, k, b.digest)) === undefined) {
          throw new RegistryError(
            'MANIFEST_BLOB_UNKNOWN',
            `Blob "${b.digest}" is not in repository "${k.repository}"`,
            {
              digest: b.digest,
            },
          );
        }
      }
      let layerBytes = m.layerBytes;
      for (const child of m.manifests) {
        const image = await getImage(tx, k, child.digest);
        if (!image) {
          throw new RegistryError(
            'MANIFEST_BLOB_UNKNOWN',
            `Manifest "${child.digest}" is not in repository "${k.repository}"`,
            {
              digest: child.digest,
            },
          );
        }
        layerBytes = Math.max(layerBytes, image.sizeBytes);
      }
      const existing = await getImage(tx, k, m.digest);
      const now = this.#clock.now();
      if (!existing) {
        await putImage(
          tx,
          k,
          {
            digest: m.digest,
            mediaType: m.mediaType,
            artifactMediaType: m.artifactMediaType,
            manifest: bytes.toString('utf8'),
            sizeBytes: layerBytes,
            pushedAt: now,
          },
          [...m.blobs, ...m.manifests].map((d) => d.digest),
        );
      }
      let previousTagDigest: string | undefined;
      if (!isDigestReference(reference)) {
        previousTagDigest = await getTag(tx, k, reference);
        if (previousTagDigest !== m.digest) {
          if (previousTagDigest !== undefined && repo.settings.imageTagMutability === 'IMMUTABLE') {
            throw new RegistryError(
              'TAG_INVALID',
              `The image tag '${reference}' already exists in the '${k.repository}' repository and cannot be overwritten because the repository is immutable.`,
            );
          }
          await putTag(tx, k, reference, m.digest, now);
        }
      }
      return { digest: m.digest, existed: existing !== undefined, previousTagDigest };
    });
  }

  /**
   * The manifest a tag or digest names, in a media type the client accepts: an index asked
   * for by a client that takes no index answers with this platform's manifest from it.
   */
  async getManifest(k: RepoKey, reference: string, accept: readonly string[] = []): Promise<ManifestContent> {
    const db = this.#store.db;
    await this.repository(db, k);
    const digest = isDigestReference(reference) ? reference : await getTag(db, k, reference);
    const image = digest && (await getImage(db, k, digest));
    if (!image) {
      throw new RegistryError(
        'MANIFEST_UNKNOWN',
        `Manifest "${reference}" is not in repository "${k.repository}"`,
      );
    }
    const takes = (t: string) => accept.length === 0 || accept.includes('*/*') || accept.includes(t);
    if (takes(image.mediaType)) return content(image);
    if (isIndexMediaType(image.mediaType)) {
      const index = JSON.parse(image.manifest) as {
        manifests?: { digest: string; mediaType: string; platform?: { os: string; architecture: string } }[];
      };
      const pick = index.manifests?.find(
        (d) => d.platform && platformMatches(d.platform, hostPlatform()) && takes(d.mediaType),
      );
      const child = pick && (await getImage(db, k, pick.digest));
      if (child) return content(child);
    }
    throw new RegistryError(
      'MANIFEST_UNKNOWN',
      `Manifest "${reference}" is "${image.mediaType}", which the client does not accept (${accept.join(', ')})`,
    );
  }

  /**
   * Deletes an image by digest (with all its tags), or a tag (the image goes with its last tag,
   * as ECR's BatchDeleteImage does). Returns the digest and tags removed, or why not.
   */
  async deleteImage(
    tx: Kysely<Database>,
    k: RepoKey,
    id: { digest?: string; tag?: string },
  ): Promise<{ digest: string; tags: string[] } | { failure: DeleteFailure }> {
    const digest = id.digest ?? (id.tag !== undefined ? await getTag(tx, k, id.tag) : undefined);
    if (
      digest === undefined ||
      (id.tag !== undefined && id.digest !== undefined && (await getTag(tx, k, id.tag)) !== id.digest)
    ) {
      return { failure: 'ImageNotFound' };
    }
    if (!(await getImage(tx, k, digest))) return { failure: 'ImageNotFound' };
    if (id.digest === undefined && id.tag !== undefined) {
      const tags = (await tagsOf(tx, k, [digest])).get(digest) ?? [];
      if (tags.length > 1) {
        await deleteTag(tx, k, id.tag);
        return { digest, tags: [id.tag] };
      }
    }
    if ((await referrers(tx, k, digest)).length > 0) return { failure: 'ImageReferencedByManifestList' };
    const refs = await refsOf(tx, k, digest);
    const tags = await deleteImage(tx, k, digest);
    await unlinkUnreferenced(tx, k, refs);
    return { digest, tags };
  }

  /** Collects in the background soon; calls while one runs make one more run. */
  collectSoon(): void {
    if (this.#collecting) {
      this.#again = true;
      return;
    }
    this.#collecting = this.collectGarbage()
      .then(() => {})
      .catch((err: unknown) => this.#log.error({ err }, 'registry garbage collection failed'))
      .finally(() => {
        this.#collecting = undefined;
        if (this.#again) {
          this.#again = false;
          this.collectSoon();
        }
      });
  }

  /** Waits for a background collection, if one runs. */
  async settled(): Promise<void> {
    while (this.#collecting) await this.#collecting;
  }

  /** Deletes blobs no repository holds, and abandoned pushes and uploads. */
  async collectGarbage(): Promise<Digest[]> {
    await expireUnreferencedLinks(this.#store.db, this.#clock.now() - this.#abandonedAfterMs);
    return this.blobs.collect((digests) => linkedDigests(this.#store.db, digests), this.#abandonedAfterMs);
  }
}

function content(image: { digest: string; mediaType: string; manifest: string }): ManifestContent {
  return {
    digest: image.digest as Digest,
    mediaType: image.mediaType,
    bytes: Buffer.from(image.manifest, 'utf8'),
  };
}
