import { posix } from 'node:path';
import { z } from 'zod';
import type { BlobStore } from './blob-store.ts';
import { detectFileCompression, openDecompressed } from './compression.ts';
import { type Digest, isDigest } from './digest.ts';
import { cleanEntryPath } from './entry-path.ts';
import { type ParsedImageConfig, parseImageConfig } from './image-config.ts';
import { ImageError } from './image-error.ts';
import { type Descriptor, parseIndex, parseManifest } from './manifest.ts';
import { isIndexMediaType, isLayerMediaType, MediaType } from './media-types.ts';
import { formatPlatform, hostPlatform, type Platform, platformMatches } from './platform.ts';
import { normalizeReference } from './reference.ts';
import { readTar } from './tar-reader.ts';

/** One layer of a loaded image: its blob as stored, and the diffID of its uncompressed tar. */
export interface ArchiveLayer {
  digest: Digest;
  mediaType: string;
  size: number;
  diffId: Digest;
}

/** An image found in an archive; its manifest, config and layer blobs are in the blob store. */
export interface ArchiveImage {
  /** Normalised references the archive gives it; empty for an untagged image. */
  references: string[];
  manifestDigest: Digest;
  manifestMediaType: string;
  /** The image index the reference named, when the image was picked from one for this platform. */
  indexDigest?: Digest;
  configDigest: Digest;
  config: ParsedImageConfig;
  layers: ArchiveLayer[];
}

export interface ArchiveContents {
  images: ArchiveImage[];
  /** Blobs the archive held that no image read from it uses (other platforms, legacy files). */
  strayBlobs: Digest[];
}

export interface ReadArchiveOptions {
  /** Platform to pick from a multi-platform index. @default this machine's */
  platform?: Platform;
  signal?: AbortSignal;
}

/** Metadata files (manifest.json, index.json, configs) are read into memory; anything else is streamed. */
const MAX_SMALL_FILE_BYTES = 1024 * 1024;
const MAX_SMALL_TOTAL_BYTES = 64 * 1024 * 1024;
const MAX_LINK_HOPS = 16;
const BLOB_PATH = /^blobs\/([a-z0-9]+)\/([a-f0-9]+)$/;
const NAME_ANNOTATION = 'io.containerd.image.name';
const REF_ANNOTATION = 'org.opencontainers.image.ref.name';

const dockerManifest = z.array(
  z.object({
    Config: z.string(),
    RepoTags: z.array(z.string()).nullish(),
    Layers: z.array(z.string()),
  }),
);

/**
 * Reads a `docker save` archive (before and after Docker 25) or an OCI image-layout archive,
 * plain or gzip, in one streaming pass: every blob goes straight into the blob store (digest
 * checked where the archive names it), only small metadata files are held in memory. A
 * docker-archive image gets a deterministic Docker v2 schema 2 manifest, so that it too has a
 * manifest digest.
 */
export async function readImageArchive(
  file: string,
  blobs: BlobStore,
  options: ReadArchiveOptions = {},
): Promise<ArchiveContents> {
  const contents = await scanArchive(file, blobs, options.signal);
  const reader = new ArchiveReader(file, blobs, contents, options.platform ?? hostPlatform());
  const dockerEntries = contents.small.has('manifest.json')
    ? parseJson(dockerManifest, contents.small.get('manifest.json'), `"manifest.json" in "${file}"`)
    : undefined;
  let images: ArchiveImage[];
  if (contents.small.has('index.json')) images = await reader.readOciLayout(dockerEntries ?? []);
  else if (dockerEntries) images = await reader.readDockerArchive(dockerEntries);
  else {
    throw new ImageError('InvalidArchive', `Archive "${file}" has neither "index.json" nor "manifest.json"`, {
      file,
    });
  }
  const used = new Set(
    images.flatMap((i) => [
      i.manifestDigest,
      i.configDigest,
      i.indexDigest,
      ...i.layers.map((l) => l.digest),
    ]),
  );
  const strayBlobs = [...new Set([...contents.stored.values()].map((s) => s.digest))].filter(
    (d) => !used.has(d),
  );
  return { images, strayBlobs };
}

interface ScannedArchive {
  /** Small files by path, in memory. */
  small: Map<string, Buffer>;
  /** Other files by path, already stored as blobs. */
  stored: Map<string, { digest: Digest; size: number }>;
  /** Symlinks and hardlinks: path -> the path they stand for. */
  links: Map<string, string>;
}

async function scanArchive(
  file: string,
  blobs: BlobStore,
  signal: AbortSignal | undefined,
): Promise<ScannedArchive> {
  const contents: ScannedArchive = { small: new Map(), stored: new Map(), links: new Map() };
  let smallBytes = 0;
  const opts = signal ? { signal } : {};
  try {
    for await (const entry of readTar(await openDecompressed(file, opts), opts)) {
      const path = cleanEntryPath(entry.path);
      if (entry.type === 'symlink') {
        // `docker save` links a layer that repeats to its first copy.
        contents.links.set(path, cleanEntryPath(posix.join(posix.dirname(path), entry.linkpath)));
      } else if (entry.type === 'hardlink') {
        contents.links.set(path, cleanEntryPath(entry.linkpath));
      } else if (entry.type === 'file') {
        const blob = BLOB_PATH.exec(path);
        if (blob) {
          const expected = `${blob[1]}:${blob[2]}`;
          if (!isDigest(expected)) {
            throw new ImageError('InvalidArchive', `Blob "${path}" is not a sha256 blob`, { file, path });
          }
          contents.stored.set(path, await blobs.ingest(entry.body(), { expected, ...opts }));
        } else if (entry.size <= MAX_SMALL_FILE_BYTES && !path.endsWith('.tar')) {
          smallBytes += entry.size;
          if (smallBytes > MAX_SMALL_TOTAL_BYTES) {
            throw new ImageError('InvalidArchive', `Archive "${file}" has too many metadata files`, { file });
          }
          const parts: Buffer[] = [];
          for await (const piece of entry.body()) parts.push(Buffer.from(piece));
          contents.small.set(path, Buffer.concat(parts));
        } else {
          contents.stored.set(path, await blobs.ingest(entry.body(), opts));
        }
      }
    }
  } catch (error) {
    if (error instanceof ImageError) {
      throw new ImageError(
        error.code,
        `Archive "${file}": ${error.message}`,
        { ...error.data, file },
        { cause: error },
      );
    }
    throw error;
  }
  return contents;
}

class ArchiveReader {
  constructor(
    readonly file: string,
    readonly blobs: BlobStore,
    readonly contents: ScannedArchive,
    readonly platform: Platform,
  ) {}

  async readOciLayout(dockerEntries: z.infer<typeof dockerManifest>): Promise<ArchiveImage[]> {
    const index = parseIndex(this.#json('index.json'), `"index.json" in "${this.file}"`);
    // An index.json may list one manifest per platform under the same name; keep ours if any.
    const ours = index.manifests.filter((d) => !d.platform || platformMatches(d.platform, this.platform));
    const images: ArchiveImage[] = [];
    for (const descriptor of ours.length > 0 ? ours : index.manifests) {
      const image = await this.#resolve(descriptor, undefined);
      image.references = namesFromAnnotations(descriptor.annotations);
      if (image.references.length === 0) {
        // Docker 25+ archives carry both layouts; manifest.json then has the tags.
        const entry = dockerEntries.find((e) => this.#blobAt(e.Config)?.digest === image.configDigest);
        image.references = (entry?.RepoTags ?? []).map((t) => this.#reference(t));
      }
      images.push(image);
    }
    return images;
  }

  async readDockerArchive(entries: z.infer<typeof dockerManifest>): Promise<ArchiveImage[]> {
    const images: ArchiveImage[] = [];
    for (const entry of entries) {
      const configBlob = await this.#storeFile(entry.Config);
      const config = parseImageConfig(
        await this.blobs.readJson(configBlob.digest),
        `Config "${entry.Config}" in "${this.file}"`,
      );
      if (config.diffIds.length !== entry.Layers.length) {
        throw this.#invalid(
          `image "${entry.Config}" lists ${entry.Layers.length} layers, its config has ${config.diffIds.length}`,
        );
      }
      const layers: ArchiveLayer[] = [];
      for (const [i, path] of entry.Layers.entries()) {
        const blob = await this.#storeFile(path);
        const compression = await detectFileCompression(this.blobs.path(blob.digest));
        const mediaType = compression === 'gzip' ? MediaType.DockerLayerGzip : MediaType.DockerLayer;
        layers.push({ ...blob, mediaType, diffId: config.diffIds[i] as Digest });
      }
      // Key order and spacing are fixed, so the same image always gets the same digest.
      const manifest = {
        schemaVersion: 2,
        mediaType: MediaType.DockerManifest,
        config: { mediaType: MediaType.DockerConfig, size: configBlob.size, digest: configBlob.digest },
        layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
      };
      const stored = await this.blobs.ingestBytes(Buffer.from(JSON.stringify(manifest, null, 3)));
      images.push({
        references: (entry.RepoTags ?? []).map((t) => this.#reference(t)),
        manifestDigest: stored.digest,
        manifestMediaType: MediaType.DockerManifest,
        configDigest: configBlob.digest,
        config,
        layers,
      });
    }
    return images;
  }

  /** Follows a descriptor through nested indexes down to the image manifest for our platform. */
  async #resolve(descriptor: Descriptor, indexDigest: Digest | undefined, depth = 0): Promise<ArchiveImage> {
    if (depth > 8) throw this.#invalid(`indexes are nested too deeply at "${descriptor.digest}"`);
    await this.#checkBlob(descriptor);
    const json = await this.blobs.readJson(descriptor.digest);
    const isIndex =
      isIndexMediaType(descriptor.mediaType) ||
      (typeof json === 'object' && json !== null && 'manifests' in json);
    if (isIndex) {
      const index = parseIndex(json, `Index "${descriptor.digest}" in "${this.file}"`);
      const pick = index.manifests.find((d) => d.platform && platformMatches(d.platform, this.platform));
      const nested = index.manifests.find((d) => !d.platform && isIndexMediaType(d.mediaType));
      const next = pick ?? nested;
      if (!next) {
        throw this.#invalid(
          `index "${descriptor.digest}" has no image for platform "${formatPlatform(this.platform)}"`,
        );
      }
      return this.#resolve(next, indexDigest ?? descriptor.digest, depth + 1);
    }
    if (descriptor.mediaType !== MediaType.OciManifest && descriptor.mediaType !== MediaType.DockerManifest) {
      throw new ImageError(
        'UnsupportedMediaType',
        `Manifest "${descriptor.digest}" has media type "${descriptor.mediaType}"`,
        {
          digest: descriptor.digest,
        },
      );
    }
    const manifest = parseManifest(json, `Manifest "${descriptor.digest}" in "${this.file}"`);
    await this.#checkBlob(manifest.config);
    const config = parseImageConfig(
      await this.blobs.readJson(manifest.config.digest),
      `Config "${manifest.config.digest}" in "${this.file}"`,
    );
    if (config.diffIds.length !== manifest.layers.length) {
      throw this.#invalid(
        `manifest "${descriptor.digest}" has ${manifest.layers.length} layers, its config has ${config.diffIds.length}`,
      );
    }
    const layers: ArchiveLayer[] = [];
    for (const [i, layer] of manifest.layers.entries()) {
      if (!isLayerMediaType(layer.mediaType)) {
        throw new ImageError(
          'UnsupportedMediaType',
          `Layer "${layer.digest}" has media type "${layer.mediaType}"`,
          {
            digest: layer.digest,
          },
        );
      }
      await this.#checkBlob(layer);
      layers.push({
        digest: layer.digest,
        mediaType: layer.mediaType,
        size: layer.size,
        diffId: config.diffIds[i] as Digest,
      });
    }
    return {
      references: [],
      manifestDigest: descriptor.digest,
      manifestMediaType: descriptor.mediaType,
      ...(indexDigest !== undefined && { indexDigest }),
      configDigest: manifest.config.digest,
      config,
      layers,
    };
  }

  /** The blob must be in the archive (so now in the store) with the size its descriptor says. */
  async #checkBlob(d: Pick<Descriptor, 'digest' | 'size'>): Promise<void> {
    const size = await this.blobs.size(d.digest);
    if (size === undefined) throw this.#invalid(`blob "${d.digest}" is missing`);
    if (size !== d.size)
      throw this.#invalid(`blob "${d.digest}" has ${size} bytes, its descriptor says ${d.size}`);
  }

  /** A file of a docker archive, stored as a blob (small files are held in memory until now). */
  async #storeFile(name: string): Promise<{ digest: Digest; size: number }> {
    const path = this.#follow(name);
    const stored = this.contents.stored.get(path);
    if (stored) return stored;
    const small = this.contents.small.get(path);
    if (small === undefined) throw this.#invalid(`file "${name}" is missing`);
    const result = await this.blobs.ingestBytes(small);
    this.contents.stored.set(path, result);
    return result;
  }

  #blobAt(name: string): { digest: Digest } | undefined {
    const path = this.#follow(name);
    const stored = this.contents.stored.get(path);
    if (stored) return stored;
    const m = BLOB_PATH.exec(path);
    const digest = m ? `${m[1]}:${m[2]}` : '';
    return isDigest(digest) ? { digest } : undefined;
  }

  #follow(name: string): string {
    let path = cleanEntryPath(name);
    for (let hops = 0; this.contents.links.has(path); hops++) {
      if (hops >= MAX_LINK_HOPS) throw this.#invalid(`links from "${name}" loop`);
      path = this.contents.links.get(path) as string;
    }
    return path;
  }

  #json(path: string): unknown {
    const bytes = this.contents.small.get(path);
    try {
      return JSON.parse(bytes?.toString('utf8') ?? '');
    } catch (error) {
      throw new ImageError(
        'InvalidArchive',
        `"${path}" in "${this.file}" is not JSON`,
        { file: this.file },
        { cause: error },
      );
    }
  }

  #reference(tag: string): string {
    return normalizeReference(tag);
  }

  #invalid(why: string): ImageError {
    return new ImageError('InvalidArchive', `Archive "${this.file}": ${why}`, { file: this.file });
  }
}

/**
 * `io.containerd.image.name` holds a full name (Docker 25+, containerd, BuildKit).
 * `org.opencontainers.image.ref.name` is a full reference when skopeo or neargate writes it,
 * but only a tag ("latest") when Docker does; a bare word names no repository, so it is skipped.
 */
function namesFromAnnotations(annotations: Record<string, string> | undefined): string[] {
  const name = annotations?.[NAME_ANNOTATION];
  if (name) return [normalizeReference(name)];
  const ref = annotations?.[REF_ANNOTATION];
  if (ref && /[/:@]/.test(ref)) return [normalizeReference(ref)];
  return [];
}

function parseJson<T>(schema: z.ZodType<T>, bytes: Buffer | undefined, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes?.toString('utf8') ?? '');
  } catch (error) {
    throw new ImageError('InvalidArchive', `${what} is not JSON`, {}, { cause: error });
  }
  const result = schema.safeParse(json);
  if (!result.success)
    throw new ImageError('InvalidArchive', `${what} is not valid: ${result.error.issues[0]?.message}`);
  return result.data;
}
