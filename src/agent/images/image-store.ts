import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type ArchiveImage, readImageArchive } from './archive.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { BlobStore } from './blob-store.ts';
import { type Digest, digestHex, isDigest } from './digest.ts';
import { ImageError } from './image-error.ts';
import { type Image, type ImageRecord, parseImageRecord } from './image-record.ts';
import { LayerStore } from './layer-store.ts';
import type { Platform } from './platform.ts';
import { ReadWriteLock } from './read-write-lock.ts';
import { formatReference, parseReference } from './reference.ts';
import { type Rootfs, type RootfsInfo, RootfsManager } from './rootfs.ts';

export interface ImageStoreOptions {
  /** Directory that holds everything: blobs/, layers/, images/, references.json, rootfs/. */
  root: string;
  clock?: { now(): number };
  /** Random hex for temporary names. @default crypto random bytes */
  randomHex?: (bytes: number) => string;
  /** Platform picked from multi-platform indexes. @default this machine's */
  platform?: Platform;
  /** Layers one load unpacks at the same time. @default 3 */
  unpackConcurrency?: number;
}

export interface RemoveResult {
  /** References that no longer exist. */
  untagged: string[];
  /** Manifest digests of image records deleted. */
  deleted: Digest[];
  collected: CollectResult;
}

export interface CollectResult {
  /** Layers deleted, by diffID. */
  layers: Digest[];
  blobs: Digest[];
}

export interface MountRootfsOptions {
  /** Mount without an upper directory, so nothing can be written. @default false */
  readonly?: boolean;
  signal?: AbortSignal;
}

interface State {
  references: Map<string, Digest>;
  images: Map<Digest, ImageRecord>;
}

const SHORT_ID = /^(?:sha256:)?([0-9a-f]{12,64})$/;

const defaultRandomHex = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/**
 * The images of one host: loads archives, keeps references to image records, resolves a
 * reference to an image, mounts container roots, and collects layers and blobs no image and
 * no mounted rootfs uses. One ImageStore per root, in one process: its locks are in memory.
 */
export class ImageStore {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly #rootfs: RootfsManager;
  readonly #clock: { now(): number };
  readonly #randomHex: (bytes: number) => string;
  readonly #platform: Platform | undefined;
  readonly #concurrency: number;
  readonly #lock = new ReadWriteLock();
  #writes: Promise<unknown> = Promise.resolve();
  #state: Promise<State> | undefined;

  constructor(options: ImageStoreOptions) {
    this.root = options.root;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#randomHex = options.randomHex ?? defaultRandomHex;
    this.#platform = options.platform;
    this.#concurrency = options.unpackConcurrency ?? 3;
    this.blobs = new BlobStore({ root: this.root, randomHex: this.#randomHex });
    this.layers = new LayerStore({ root: this.root, randomHex: this.#randomHex });
    this.#rootfs = new RootfsManager({
      root: this.root,
      layers: this.layers,
      clock: this.#clock,
      randomHex: this.#randomHex,
    });
  }

  /**
   * Loads a `docker save` or OCI archive (plain or gzip): stores its blobs, unpacks its layers
   * and records its images. Resolves with the references loaded; an untagged image is
   * reported by its image id (`sha256:...`), as `docker load` does.
   */
  async load(archivePath: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const { loaded, orphaned } = await this.#lock.shared(async () => {
      const images = await readImageArchive(archivePath, this.blobs, {
        ...(this.#platform && { platform: this.#platform }),
        ...(options.signal && { signal: options.signal }),
      });
      for (const image of images) await this.#unpackLayers(image, options.signal);
      return this.#serial(() => this.#record(images));
    });
    if (orphaned) await this.collectGarbage();
    return loaded;
  }

  /** Every image, with its references. */
  async list(): Promise<Image[]> {
    const state = await this.#getState();
    return [...state.images.values()].map((r) => withReferences(state, r));
  }

  /**
   * The image a reference names: a tag (`busybox`, `localhost:5000/app:1`), a digest
   * reference (`name@sha256:...`, matched by manifest or index digest whatever the name), or
   * an image id (`sha256:<hex>` or at least 12 hex characters of it). Undefined if none;
   * `AmbiguousReference` if a short id fits several images.
   */
  async resolve(ref: string): Promise<Image | undefined> {
    const state = await this.#getState();
    const record = find(state, ref);
    return record && withReferences(state, record);
  }

  /**
   * Removes a reference; removing its image's last reference deletes the image record. A
   * digest or image id removes the image with all its references. Then collects garbage.
   * Throws `ImageNotFound`.
   */
  async remove(ref: string): Promise<RemoveResult> {
    const result = await this.#lock.exclusive(async () => {
      const state = await this.#getState();
      const key = tagKey(ref);
      let untagged: string[];
      let target: Digest;
      let deleteRecord: boolean;
      const tagged = key === undefined ? undefined : state.references.get(key);
      if (key !== undefined && tagged !== undefined) {
        untagged = [key];
        target = tagged;
        deleteRecord = referencesTo(state, target).length === 1;
      } else {
        const record = find(state, ref);
        if (!record) throw new ImageError('ImageNotFound', `Image "${ref}" not found`, { reference: ref });
        target = record.manifestDigest;
        untagged = referencesTo(state, target);
        deleteRecord = true;
      }
      const references = new Map(state.references);
      for (const r of untagged) references.delete(r);
      await this.#writeReferences(references);
      state.references = references;
      if (deleteRecord) {
        await unlink(this.#recordPath(target)).catch(ignoreMissing);
        state.images.delete(target);
      }
      return { untagged, deleted: deleteRecord ? [target] : [], collected: await this.#collect() };
    });
    await this.layers.purgeTrash();
    return result;
  }

  /**
   * Deletes layers that no image record and no rootfs lease uses, and blobs that no image
   * record uses, plus leftovers of interrupted loads. Layers of a mounted rootfs stay until a
   * collection after its unmount.
   */
  async collectGarbage(): Promise<CollectResult> {
    const result = await this.#lock.exclusive(() => this.#collect());
    await this.layers.purgeTrash();
    return result;
  }

  /**
   * Mounts an overlayfs root for a container at `<containerDir>/rootfs`, with its writes in
   * `<containerDir>/upper` (none when read-only). The rootfs holds a lease on its layers until
   * `unmountRootfs`. Throws `ImageNotFound`.
   */
  async mountRootfs(
    image: string | Image,
    containerDir: string,
    options: MountRootfsOptions = {},
  ): Promise<Rootfs> {
    const lease = await this.#lock.shared(async () => {
      // Under the lock, so no collection runs between finding the image and leasing its layers.
      const state = await this.#getState();
      const record = typeof image === 'string' ? find(state, image) : state.images.get(image.manifestDigest);
      if (!record) {
        const name = typeof image === 'string' ? image : image.manifestDigest;
        throw new ImageError('ImageNotFound', `Image "${name}" not found`, { reference: name });
      }
      return this.#rootfs.lease(record, containerDir, options.readonly ?? false);
    });
    try {
      return await this.#rootfs.mount(lease, options.signal ? { signal: options.signal } : {});
    } catch (error) {
      await this.#rootfs.unmount(lease.containerDir).catch(() => {});
      throw error;
    }
  }

  /** Unmounts a container's rootfs and removes its upper layer and lease; safe to repeat. */
  unmountRootfs(containerDir: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#rootfs.unmount(containerDir, options);
  }

  /** Rootfs leases and mounts on this host, for a restarted server to adopt or unmount. */
  listRootfs(): Promise<RootfsInfo[]> {
    return this.#rootfs.list();
  }

  /**
   * Unpacks an image's layers, a few at a time; layers already there are skipped. On the
   * first failure the others are aborted and awaited: no unpack may outlive the load.
   */
  async #unpackLayers(image: ArchiveImage, signal: AbortSignal | undefined): Promise<void> {
    const queue = [...image.layers];
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      try {
        for (let layer = queue.shift(); layer; layer = queue.shift()) {
          controller.signal.throwIfAborted();
          await this.layers.ensure(layer.diffId, this.blobs.path(layer.digest), {
            signal: controller.signal,
          });
        }
      } catch (error) {
        failure ??= { error };
        controller.abort();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, queue.length) }, worker));
    } finally {
      signal?.removeEventListener('abort', forward);
    }
    if (failure) throw failure.error;
  }

  /** Writes image records, then moves references to them. */
  async #record(images: ArchiveImage[]): Promise<{ loaded: string[]; orphaned: boolean }> {
    const state = await this.#getState();
    const loadedAtMs = this.#clock.now();
    await mkdir(join(this.root, 'images'), { recursive: true });
    const references = new Map(state.references);
    const loaded: string[] = [];
    const records: ImageRecord[] = [];
    for (const image of images) {
      const { config, diffIds, os, architecture, variant, created } = image.config;
      const record: ImageRecord = {
        manifestDigest: image.manifestDigest,
        manifestMediaType: image.manifestMediaType,
        ...(image.indexDigest !== undefined && { indexDigest: image.indexDigest }),
        configDigest: image.configDigest,
        diffIds,
        layers: image.layers,
        config,
        os,
        architecture,
        ...(variant !== undefined && { variant }),
        ...(created !== undefined && { created }),
        loadedAtMs: state.images.get(image.manifestDigest)?.loadedAtMs ?? loadedAtMs,
      };
      await writeFileAtomic(this.#recordPath(record.manifestDigest), JSON.stringify(record, null, 2), {
        tempSuffix: this.#randomHex(8),
      });
      records.push(record);
      for (const r of image.references) references.set(r, record.manifestDigest);
      loaded.push(...(image.references.length > 0 ? image.references : [image.configDigest]));
    }
    await this.#writeReferences(references);
    // An image whose last reference moved to the new one is deleted, not left dangling.
    const before = new Set(state.references.values());
    const after = new Set(references.values());
    const orphans = [...before].filter((d) => !after.has(d) && !records.some((r) => r.manifestDigest === d));
    for (const record of records) state.images.set(record.manifestDigest, record);
    state.references = references;
    for (const digest of orphans) {
      await unlink(this.#recordPath(digest)).catch(ignoreMissing);
      state.images.delete(digest);
    }
    return { loaded, orphaned: orphans.length > 0 };
  }

  async #collect(): Promise<CollectResult> {
    const state = await this.#getState();
    const { leases, unreadable } = await this.#rootfs.leases();
    const usedLayers = new Set<Digest>(leases.flatMap((l) => l.diffIds));
    const usedBlobs = new Set<Digest>();
    for (const r of state.images.values()) {
      for (const d of r.diffIds) usedLayers.add(d);
      for (const l of r.layers) usedBlobs.add(l.digest);
      usedBlobs.add(r.manifestDigest);
      usedBlobs.add(r.configDigest);
      if (r.indexDigest) usedBlobs.add(r.indexDigest);
    }
    const layers: Digest[] = [];
    // A lease that cannot be read might protect any layer: then keep them all.
    if (unreadable === 0) {
      for (const d of await this.layers.list()) {
        if (!usedLayers.has(d) && (await this.layers.discard(d))) layers.push(d);
      }
    }
    await this.layers.removePartials();
    const blobs: Digest[] = [];
    for (const d of await this.blobs.list()) {
      if (!usedBlobs.has(d) && (await this.blobs.delete(d))) blobs.push(d);
    }
    await this.blobs.removeTemporaryFiles();
    return { layers, blobs };
  }

  #getState(): Promise<State> {
    this.#state ??= this.#readState().catch((error) => {
      this.#state = undefined;
      throw error;
    });
    return this.#state;
  }

  async #readState(): Promise<State> {
    const references = new Map<string, Digest>();
    const text = await readFile(join(this.root, 'references.json'), 'utf8').catch(ignoreMissing);
    if (text !== undefined) {
      const json = JSON.parse(text) as { references?: Record<string, string> };
      for (const [ref, digest] of Object.entries(json.references ?? {})) {
        if (isDigest(digest)) references.set(ref, digest);
      }
    }
    const images = new Map<Digest, ImageRecord>();
    const dir = join(this.root, 'images');
    const names = (await readdir(dir).catch(ignoreMissing)) ?? [];
    for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
      const record = parseImageRecord(JSON.parse(await readFile(join(dir, name), 'utf8')));
      images.set(record.manifestDigest, record);
    }
    return { references, images };
  }

  async #writeReferences(references: Map<string, Digest>): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const sorted = Object.fromEntries([...references].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeFileAtomic(
      join(this.root, 'references.json'),
      JSON.stringify({ schemaVersion: 1, references: sorted }, null, 2),
      { tempSuffix: this.#randomHex(8) },
    );
  }

  #recordPath(manifestDigest: Digest): string {
    return join(this.root, 'images', `${digestHex(manifestDigest)}.json`);
  }

  /** Runs record and reference updates one at a time; concurrent loads would lose each other's. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(fn, fn);
    this.#writes = run.catch(() => {});
    return run;
  }
}

function find(state: State, ref: string): ImageRecord | undefined {
  let parsed: ReturnType<typeof parseReference> | undefined;
  try {
    parsed = parseReference(ref);
  } catch {
    parsed = undefined;
  }
  if (parsed?.digest !== undefined) {
    const digest = parsed.digest;
    return [...state.images.values()].find((r) => r.manifestDigest === digest || r.indexDigest === digest);
  }
  const tagged = parsed && state.references.get(formatReference(parsed));
  if (tagged) return state.images.get(tagged);
  const id = SHORT_ID.exec(ref)?.[1];
  if (id === undefined) return undefined;
  const matches = [...state.images.values()].filter((r) => digestHex(r.configDigest).startsWith(id));
  if (matches.length > 1 && new Set(matches.map((m) => m.configDigest)).size > 1) {
    throw new ImageError('AmbiguousReference', `Image id "${ref}" matches ${matches.length} images`, {
      reference: ref,
    });
  }
  // Several records may share a config (the same image under two manifests); any will do.
  return matches[0];
}

/** The normalised tag reference `ref` names, if it is one. */
function tagKey(ref: string): string | undefined {
  try {
    const parsed = parseReference(ref);
    return parsed.digest === undefined ? formatReference(parsed) : undefined;
  } catch {
    return undefined;
  }
}

function referencesTo(state: State, manifestDigest: Digest): string[] {
  return [...state.references].filter(([, d]) => d === manifestDigest).map(([r]) => r);
}

function withReferences(state: State, record: ImageRecord): Image {
  return { ...record, references: referencesTo(state, record.manifestDigest) };
}

function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT') return undefined;
  throw error;
}
