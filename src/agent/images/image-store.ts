import { resolve } from 'node:path';
import type { ProcessRunner } from '../process/process-runner.ts';
import { type ArchiveImage, type ArchiveLayer, readImageArchive } from './archive.ts';
import { BlobStore } from './blob-store.ts';
import type { Digest } from './digest.ts';
import { ImageCatalog } from './image-catalog.ts';
import { ImageError } from './image-error.ts';
import { fetchImage } from './image-fetch.ts';
import type { Image, ImageRecord } from './image-record.ts';
import type { ImageSource } from './image-source.ts';
import { LayerStore } from './layer-store.ts';
import { hostPlatform, type Platform } from './platform.ts';
import { ReadWriteLock } from './read-write-lock.ts';
import { type Rootfs, type RootfsInfo, RootfsManager } from './rootfs.ts';
import { imageCommand } from './run-command.ts';

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
  /** Runs mount, umount, sync, tar and setfattr. @default spawns from this process */
  runner?: ProcessRunner;
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

const defaultRandomHex = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/**
 * The images of one host: loads archives, keeps references to image records, resolves a
 * reference to an image, mounts container roots, and collects layers and blobs that no image
 * and no rootfs uses. One ImageStore per root, in one process: its locks are in memory.
 */
export class ImageStore {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly #catalog: ImageCatalog;
  readonly #rootfs: RootfsManager;
  readonly #clock: { now(): number };
  readonly #platform: Platform | undefined;
  readonly #concurrency: number;
  readonly #lock = new ReadWriteLock();
  readonly #fetching = new Map<Digest, Promise<void>>();

  constructor(options: ImageStoreOptions) {
    // Absolute, since overlayfs options name layer directories by path.
    this.root = resolve(options.root);
    const randomHex = options.randomHex ?? defaultRandomHex;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#platform = options.platform;
    this.#concurrency = options.unpackConcurrency ?? 3;
    const run = options.runner && { run: imageCommand(options.runner) };
    this.blobs = new BlobStore({ root: this.root, randomHex });
    this.layers = new LayerStore({ root: this.root, randomHex, ...run });
    this.#catalog = new ImageCatalog({ root: this.root, randomHex });
    this.#rootfs = new RootfsManager({
      root: this.root,
      layers: this.layers,
      clock: this.#clock,
      randomHex,
      ...run,
    });
  }

  /**
   * Loads a `docker save` or OCI archive (plain or gzip): stores its blobs, unpacks its layers
   * and records its images. Resolves with the references loaded; an untagged image is
   * reported by its image id (`sha256:...`), as `docker load` does.
   */
  async load(archivePath: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const { loaded, garbage } = await this.#lock.shared(async () => {
      const { images, strayBlobs } = await readImageArchive(archivePath, this.blobs, {
        ...(this.#platform && { platform: this.#platform }),
        ...(options.signal && { signal: options.signal }),
      });
      for (const image of images) await this.#unpackLayers(image, options.signal);
      const loadedAtMs = this.#clock.now();
      const records: ImageRecord[] = [];
      for (const image of images) {
        const previous = await this.#catalog.get(image.manifestDigest);
        records.push(toRecord(image, previous?.loadedAtMs ?? loadedAtMs));
      }
      const references = images.flatMap((i) => i.references.map((r) => [r, i.manifestDigest] as const));
      const orphaned = await this.#catalog.add(records, references);
      const loaded = images.flatMap((i) => (i.references.length > 0 ? i.references : [i.configDigest]));
      return { loaded, garbage: orphaned.length > 0 || strayBlobs.length > 0 };
    });
    if (garbage) await this.collectGarbage();
    return loaded;
  }

  /**
   * Pulls an image from a registry source: the manifest a tag or digest names (this platform's,
   * from an index), its config, and the layers not unpacked yet, each checked against its
   * digest, then records it under `references`. Concurrent pulls share blobs and layers being
   * fetched. Throws `ImageNotFound` when the source has no such manifest, `DigestMismatch` for
   * content that is not what it claims.
   */
  async pull(
    source: ImageSource,
    reference: string,
    options: { references?: string[]; signal?: AbortSignal } = {},
  ): Promise<Image> {
    const { signal } = options;
    const references = options.references ?? [];
    const image = await this.#lock.shared(async () => {
      const image = await fetchImage(source, reference, this.blobs, this.#platform ?? hostPlatform(), signal);
      if (!image) {
        throw new ImageError('ImageNotFound', `${source.name}: manifest "${reference}" not found`, {
          reference,
        });
      }
      const previous = await this.#catalog.get(image.manifestDigest);
      if (!previous) {
        await this.#unpackLayers(image, signal, async (layer) => {
          const path = this.blobs.path(layer.digest);
          if (await this.blobs.has(layer.digest)) return path;
          await this.#fetchBlob(source, layer, signal);
          return path;
        });
      }
      const orphaned = await this.#catalog.add(
        [previous ?? toRecord(image, this.#clock.now())],
        references.map((r) => [r, image.manifestDigest] as const),
      );
      return { image, orphaned };
    });
    if (image.orphaned.length > 0) await this.collectGarbage();
    const found = await this.#catalog.find(`x@${image.image.manifestDigest}`);
    if (!found) throw new ImageError('ImageNotFound', `Image "${image.image.manifestDigest}" vanished`);
    return found;
  }

  /** One download per blob at a time, however many pulls want it. */
  #fetchBlob(source: ImageSource, layer: { digest: Digest; size: number }, signal: AbortSignal | undefined) {
    let running = this.#fetching.get(layer.digest);
    if (!running) {
      running = (async () => {
        const body = await source.blob(layer, signal ? { signal } : {});
        const opts = { expected: layer.digest, ...(signal && { signal }) };
        if ('file' in body) await this.blobs.ingestFile(body.file, opts);
        else await this.blobs.ingest(body.stream, opts);
      })().finally(() => this.#fetching.delete(layer.digest));
      this.#fetching.set(layer.digest, running);
    }
    return running;
  }

  /** Every image, with its references. */
  list(): Promise<Image[]> {
    return this.#catalog.list();
  }

  /**
   * The image a reference names: a tag (`busybox`, `localhost:5000/app:1`), a digest
   * reference (`name@sha256:...`, matched by manifest or index digest whatever the name), or
   * an image id (`sha256:<hex>` or at least 12 hex characters of it). Undefined if none;
   * `AmbiguousReference` if a short id fits several images.
   */
  resolve(ref: string): Promise<Image | undefined> {
    return this.#catalog.find(ref);
  }

  /**
   * Removes a reference; removing its image's last reference deletes the image record. A
   * digest or image id removes the image with all its references. Then collects garbage.
   * Throws `ImageNotFound`.
   */
  async remove(ref: string): Promise<RemoveResult> {
    const result = await this.#lock.exclusive(async () => {
      const removed = await this.#catalog.remove(ref);
      return { ...removed, collected: await this.#collect() };
    });
    await this.layers.purgeTrash();
    return result;
  }

  /**
   * Deletes layers that no image record and no rootfs lease uses, blobs that no image record
   * uses, and leftovers of interrupted loads. Layers of a mounted rootfs stay until a
   * collection after its unmount.
   */
  async collectGarbage(): Promise<CollectResult> {
    const result = await this.#lock.exclusive(() => this.#collect());
    await this.layers.purgeTrash();
    return result;
  }

  /**
   * Mounts an overlayfs root for a container at `<containerDir>/rootfs`, with its writes in
   * `<containerDir>/upper` (none when read-only). `image` is a reference as `resolve` reads
   * it, or an image already resolved. The rootfs holds a lease on its layers until
   * `unmountRootfs`. Throws `ImageNotFound`.
   */
  async mountRootfs(
    image: string | Pick<ImageRecord, 'manifestDigest'>,
    containerDir: string,
    options: MountRootfsOptions = {},
  ): Promise<Rootfs> {
    const lease = await this.#lock.shared(async () => {
      // Under the lock, so no collection runs between finding the image and leasing its layers.
      const record =
        typeof image === 'string'
          ? await this.#catalog.find(image)
          : await this.#catalog.get(image.manifestDigest);
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

  /** The merged tree of a container's rootfs, if it is mounted (a crash may have left it so). */
  mountedRootfs(containerDir: string): Promise<string | undefined> {
    return this.#rootfs.mountedPath(containerDir);
  }

  /** Rootfs leases and mounts on this host, for a restarted server to adopt or unmount. */
  listRootfs(): Promise<RootfsInfo[]> {
    return this.#rootfs.list();
  }

  /**
   * Unpacks an image's layers, a few at a time; layers already there are skipped. On the
   * first failure the others are aborted and awaited: no unpack may outlive the load.
   */
  async #unpackLayers(
    image: ArchiveImage,
    signal: AbortSignal | undefined,
    blobOf: (layer: ArchiveLayer) => Promise<string> = async (layer) => this.blobs.path(layer.digest),
  ): Promise<void> {
    const queue = [...image.layers];
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      try {
        for (let layer = queue.shift(); layer; layer = queue.shift()) {
          controller.signal.throwIfAborted();
          if (await this.layers.has(layer.diffId)) continue;
          await this.layers.ensure(layer.diffId, await blobOf(layer), { signal: controller.signal });
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

  /** Runs with the exclusive lock held: nothing is being loaded or leased meanwhile. */
  async #collect(): Promise<CollectResult> {
    const { leases, unreadable } = await this.#rootfs.leases();
    const usedLayers = new Set<Digest>(leases.flatMap((l) => l.diffIds));
    const usedBlobs = new Set<Digest>();
    for (const image of await this.#catalog.list()) {
      for (const d of image.diffIds) usedLayers.add(d);
      for (const l of image.layers) usedBlobs.add(l.digest);
      usedBlobs.add(image.manifestDigest);
      usedBlobs.add(image.configDigest);
      if (image.indexDigest) usedBlobs.add(image.indexDigest);
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
}

function toRecord(image: ArchiveImage, loadedAtMs: number): ImageRecord {
  const { config, diffIds, os, architecture, variant, created } = image.config;
  return {
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
    loadedAtMs,
  };
}
