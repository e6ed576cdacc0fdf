import type { ArchiveImage } from './archive.ts';
import type { BlobStore } from './blob-store.ts';
import { type Digest, isDigest, sha256Of } from './digest.ts';
import { parseImageConfig } from './image-config.ts';
import { ImageError } from './image-error.ts';
import type { FetchedManifest, ImageSource } from './image-source.ts';
import { parseIndex, parseManifest } from './manifest.ts';
import { isIndexMediaType, isLayerMediaType, isManifestMediaType } from './media-types.ts';
import { formatPlatform, type Platform, platformMatches } from './platform.ts';

/**
 * Resolves `reference` (a tag or digest) in a source down to this platform's image manifest,
 * storing the manifests and the config as blobs, each checked against its digest. Layer blobs
 * are left to the caller, which skips those whose layer is already unpacked. Undefined when
 * the source has no such manifest.
 */
export async function fetchImage(
  source: ImageSource,
  reference: string,
  blobs: BlobStore,
  platform: Platform,
  signal: AbortSignal | undefined,
): Promise<ArchiveImage | undefined> {
  const opts = signal ? { signal } : {};
  let fetched = await source.manifest(reference, opts);
  if (!fetched) return undefined;
  let indexDigest: Digest | undefined;
  for (let depth = 0; ; depth++) {
    const digest = await storeManifest(
      source,
      fetched,
      isDigest(reference) && depth === 0 ? reference : undefined,
      blobs,
    );
    const json = JSON.parse(fetched.bytes.toString('utf8')) as { manifests?: unknown };
    if (!isIndexMediaType(fetched.mediaType) && !Array.isArray(json.manifests)) break;
    if (depth >= 8) throw invalid(source, `indexes are nested too deeply at "${digest}"`);
    const index = parseIndex(json, `Index "${digest}" of "${source.name}"`);
    const pick = index.manifests.find((d) => d.platform && platformMatches(d.platform, platform));
    if (!pick) {
      throw new ImageError(
        'ImageNotFound',
        `${source.name}: index "${digest}" has no image for platform "${formatPlatform(platform)}"`,
        { digest },
      );
    }
    indexDigest ??= digest;
    const next = await source.manifest(pick.digest, opts);
    if (!next) throw invalid(source, `manifest "${pick.digest}" of index "${digest}" is missing`);
    fetched = { ...next, digest: pick.digest };
  }
  const manifestDigest = sha256Of(fetched.bytes);
  if (!isManifestMediaType(fetched.mediaType)) {
    throw new ImageError(
      'UnsupportedMediaType',
      `${source.name}: manifest "${manifestDigest}" has media type "${fetched.mediaType}"`,
      {
        digest: manifestDigest,
      },
    );
  }
  const manifest = parseManifest(
    JSON.parse(fetched.bytes.toString('utf8')),
    `Manifest "${manifestDigest}" of "${source.name}"`,
  );
  const config = manifest.config;
  if (!(await blobs.has(config.digest))) {
    const body = await source.blob(config, opts);
    if ('file' in body) await blobs.ingestFile(body.file, { expected: config.digest, ...opts });
    else await blobs.ingest(body.stream, { expected: config.digest, ...opts });
  }
  const parsed = parseImageConfig(
    await blobs.readJson(config.digest),
    `Config "${config.digest}" of "${source.name}"`,
  );
  if (parsed.diffIds.length !== manifest.layers.length) {
    throw invalid(
      source,
      `manifest "${manifestDigest}" has ${manifest.layers.length} layers, its config has ${parsed.diffIds.length}`,
    );
  }
  const layers = manifest.layers.map((l, i) => {
    if (!isLayerMediaType(l.mediaType)) {
      throw new ImageError('UnsupportedMediaType', `Layer "${l.digest}" has media type "${l.mediaType}"`, {
        digest: l.digest,
      });
    }
    return { digest: l.digest, mediaType: l.mediaType, size: l.size, diffId: parsed.diffIds[i] as Digest };
  });
  return {
    references: [],
    manifestDigest,
    manifestMediaType: fetched.mediaType,
    ...(indexDigest !== undefined && { indexDigest }),
    configDigest: config.digest,
    config: parsed,
    layers,
  };
}

/** Checks a manifest's bytes against the digest asked for (or the one the source claims) and stores it. */
async function storeManifest(
  source: ImageSource,
  fetched: FetchedManifest,
  asked: Digest | undefined,
  blobs: BlobStore,
): Promise<Digest> {
  const digest = sha256Of(fetched.bytes);
  const expected = asked ?? fetched.digest;
  if (digest !== expected) {
    throw new ImageError(
      'DigestMismatch',
      `${source.name}: manifest has digest "${digest}", expected "${expected}"`,
      {
        expected,
        actual: digest,
      },
    );
  }
  await blobs.ingestBytes(fetched.bytes, { expected: digest });
  return digest;
}

function invalid(source: ImageSource, why: string): ImageError {
  return new ImageError('InvalidArchive', `${source.name}: ${why}`);
}
