import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { syncDirectory } from './atomic-file.ts';
import { openDecompressed } from './compression.ts';
import { type Digest, digestHex, isDigest } from './digest.ts';
import { ImageError } from './image-error.ts';
import { unpackLayer } from './layer-unpacker.ts';
import { type RunCommand, runCommand } from './run-command.ts';

export interface LayerStoreOptions {
  /** The image store's root; layers live in `<root>/layers/<diffID hex>/`. */
  root: string;
  /** Random hex for names of directories being deleted. @default crypto random bytes */
  randomHex?: (bytes: number) => string;
  /** Runs sync, tar and setfattr. @default spawns from this process */
  run?: RunCommand;
}

export interface EnsureLayerResult {
  /** The unpacked layer, ready to be an overlayfs lower directory. */
  dir: string;
  /** True only for the one call that did the unpacking. */
  unpacked: boolean;
}

const PARTIAL = '.partial';
const TRASH = '.trash-';

const defaultRandomHex = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/**
 * Unpacked layers keyed by diffID, each unpacked once and shared by every image that has it.
 * A layer is unpacked into `<hex>.partial` beside its final place, checked against its
 * diffID, flushed, then renamed: a directory named by a diffID is always complete and
 * correct. A `.partial` left by a crash is removed when that layer is next asked for.
 */
export class LayerStore {
  readonly #dir: string;
  readonly #randomHex: (bytes: number) => string;
  readonly #run: RunCommand;
  readonly #running = new Map<string, Promise<void>>();

  constructor(options: LayerStoreOptions) {
    this.#dir = join(resolve(options.root), 'layers');
    this.#randomHex = options.randomHex ?? defaultRandomHex;
    this.#run = options.run ?? runCommand;
  }

  path(diffId: Digest): string {
    return join(this.#dir, digestHex(diffId));
  }

  async has(diffId: Digest): Promise<boolean> {
    try {
      return (await stat(this.path(diffId))).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async list(): Promise<Digest[]> {
    const names = await readdir(this.#dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return names.map((n) => `sha256:${n}`).filter(isDigest);
  }

  /**
   * Makes sure the layer with `diffId` is unpacked, from `blobPath` (a plain, gzip or zstd
   * tar; zstd is refused for now). Calls for the same layer share one unpack. Rejects with
   * `DigestMismatch` if the content is not that layer, `UnsafePath` or `InvalidLayer` if the
   * tar is hostile or broken; nothing of a refused layer is left behind.
   */
  async ensure(
    diffId: Digest,
    blobPath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<EnsureLayerResult> {
    const dir = this.path(diffId);
    for (;;) {
      if (await this.has(diffId)) return { dir, unpacked: false };
      const running = this.#running.get(diffId);
      if (running === undefined) break;
      try {
        await running;
      } catch (error) {
        // The caller that started it gave up; if this one has not, it starts again.
        if ((error as Error).name !== 'AbortError') throw error;
        options.signal?.throwIfAborted();
      }
    }
    const work = this.#unpack(diffId, blobPath, options.signal);
    this.#running.set(diffId, work);
    try {
      await work;
    } finally {
      this.#running.delete(diffId);
    }
    return { dir, unpacked: true };
  }

  /**
   * Makes a layer vanish at once by renaming it aside; `purgeTrash` removes the files, which
   * can take long, later and without holding anything up.
   */
  async discard(diffId: Digest): Promise<boolean> {
    const trash = join(this.#dir, `${digestHex(diffId)}${TRASH}${this.#randomHex(8)}`);
    try {
      await rename(this.path(diffId), trash);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Removes discarded layers, also those of a collection a crash interrupted. */
  async purgeTrash(): Promise<void> {
    await this.#removeNamed((name) => name.includes(TRASH));
  }

  /** Removes unpacks a crash interrupted; only safe while no unpack runs. */
  async removePartials(): Promise<void> {
    await this.#removeNamed((name) => name.endsWith(PARTIAL));
  }

  async #removeNamed(match: (name: string) => boolean): Promise<void> {
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    for (const name of names.filter(match)) await rm(join(this.#dir, name), { recursive: true, force: true });
  }

  async #unpack(diffId: Digest, blobPath: string, signal: AbortSignal | undefined): Promise<void> {
    const partial = `${this.path(diffId)}${PARTIAL}`;
    const opts = signal ? { signal } : {};
    await mkdir(this.#dir, { recursive: true });
    await rm(partial, { recursive: true, force: true });
    try {
      const stream = await openDecompressed(blobPath, opts);
      await unpackLayer(stream, partial, { expectedDiffId: diffId, run: this.#run, ...opts });
      // One syncfs for the whole tree instead of an fsync per file: the rename below must
      // not become durable before the files it publishes.
      await this.#run('sync', ['--file-system', partial], opts);
      await rename(partial, this.path(diffId));
      await syncDirectory(this.#dir);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      if (error instanceof ImageError && error.code === 'InvalidArchive') {
        throw new ImageError(
          'InvalidLayer',
          `Layer "${diffId}" is not a valid tar: ${error.message}`,
          { diffId },
          {
            cause: error,
          },
        );
      }
      if (error instanceof ImageError) {
        throw new ImageError(
          error.code,
          `Layer "${diffId}": ${error.message}`,
          { ...error.data, diffId },
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }
}
