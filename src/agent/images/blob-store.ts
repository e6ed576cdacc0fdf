import { createReadStream, type ReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { syncDirectory } from './atomic-file.ts';
import { type Digest, Digester, digestHex, isDigest } from './digest.ts';
import { ImageError } from './image-error.ts';

export interface BlobStoreOptions {
  /** The image store's root; blobs live in `<root>/blobs/sha256/<hex>`. */
  root: string;
  /** Random hex for temporary file names. @default crypto random bytes */
  randomHex?: (bytes: number) => string;
}

export interface IngestOptions {
  /** Refuse the blob (and keep nothing) unless its content has this digest. */
  expected?: Digest;
  signal?: AbortSignal;
}

export interface IngestResult {
  digest: Digest;
  size: number;
}

/** JSON blobs (manifests, configs) are small; a larger one is a broken or hostile archive. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

const defaultRandomHex = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/**
 * Content-addressed blobs (manifests, configs, compressed or plain layer tars). A blob is
 * streamed into a temporary file, hashed on the way, flushed and only then renamed to its
 * digest, so a blob visible under its name is always whole and correct.
 */
export class BlobStore {
  readonly #dir: string;
  readonly #tmp: string;
  readonly #randomHex: (bytes: number) => string;

  constructor(options: BlobStoreOptions) {
    this.#dir = join(resolve(options.root), 'blobs', 'sha256');
    this.#tmp = join(resolve(options.root), 'blobs', 'tmp');
    this.#randomHex = options.randomHex ?? defaultRandomHex;
  }

  path(digest: Digest): string {
    return join(this.#dir, digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    return (await this.#stat(digest)) !== undefined;
  }

  /** Size in bytes, or undefined when the blob is absent. */
  async size(digest: Digest): Promise<number | undefined> {
    return (await this.#stat(digest))?.size;
  }

  /**
   * Stores the bytes of `source` and returns their digest. With `expected`, a mismatch
   * rejects with `DigestMismatch`; a blob already present is verified but not written again.
   */
  async ingest(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: IngestOptions = {},
  ): Promise<IngestResult> {
    const { expected, signal } = options;
    const digester = new Digester();
    if (expected !== undefined && (await this.has(expected))) {
      for await (const chunk of source) {
        signal?.throwIfAborted();
        digester.update(chunk);
      }
      return this.#check(digester, expected);
    }
    await mkdir(this.#tmp, { recursive: true });
    const temp = join(this.#tmp, this.#randomHex(16));
    const handle = await open(temp, 'wx', 0o644);
    let done = false;
    try {
      try {
        for await (const chunk of source) {
          signal?.throwIfAborted();
          digester.update(chunk);
          await handle.write(chunk);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const result = this.#check(digester, expected);
      await mkdir(this.#dir, { recursive: true });
      await rename(temp, this.path(result.digest));
      done = true;
      await syncDirectory(this.#dir);
      return result;
    } finally {
      if (!done) await rm(temp, { force: true });
    }
  }

  /**
   * Stores the file at `path` as a blob by hard-linking it (copying across file systems), after
   * checking its digest: for blobs of a registry on this host, which then cost no second copy.
   */
  async ingestFile(path: string, options: IngestOptions & { expected: Digest }): Promise<IngestResult> {
    const { expected, signal } = options;
    if (await this.has(expected)) return { digest: expected, size: (await this.size(expected)) ?? 0 };
    await mkdir(this.#tmp, { recursive: true });
    const temp = join(this.#tmp, this.#randomHex(16));
    let done = false;
    try {
      await link(path, temp).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error;
        await copyFile(path, temp);
      });
      const digester = new Digester();
      for await (const chunk of createReadStream(temp, {
        highWaterMark: 1024 * 1024,
        ...(signal && { signal }),
      })) {
        digester.update(chunk as Buffer);
      }
      const result = this.#check(digester, expected);
      await mkdir(this.#dir, { recursive: true });
      await rename(temp, this.path(result.digest));
      done = true;
      await syncDirectory(this.#dir);
      return result;
    } finally {
      if (!done) await rm(temp, { force: true });
    }
  }

  ingestBytes(data: Uint8Array, options: IngestOptions = {}): Promise<IngestResult> {
    return this.ingest([data], options);
  }

  /** A stream of the blob's bytes; errors with ENOENT when absent. */
  read(digest: Digest): ReadStream {
    return createReadStream(this.path(digest));
  }

  async readBytes(digest: Digest, maxBytes = MAX_JSON_BYTES): Promise<Buffer> {
    const size = await this.size(digest);
    if (size === undefined) throw new ImageError('InvalidArchive', `Blob "${digest}" is missing`, { digest });
    if (size > maxBytes) {
      throw new ImageError('InvalidArchive', `Blob "${digest}" is ${size} bytes, more than ${maxBytes}`, {
        digest,
      });
    }
    return readFile(this.path(digest));
  }

  async readJson(digest: Digest): Promise<unknown> {
    const bytes = await this.readBytes(digest);
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new ImageError('InvalidArchive', `Blob "${digest}" is not JSON`, { digest }, { cause: error });
    }
  }

  /** Removes a blob; true if it was there. */
  async delete(digest: Digest): Promise<boolean> {
    try {
      await unlink(this.path(digest));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async list(): Promise<Digest[]> {
    const names = await readdir(this.#dir).catch(ignoreMissing);
    return names.map((n) => `sha256:${n}`).filter(isDigest);
  }

  /** Removes temporary files left by interrupted ingests; only safe while no ingest runs. */
  async removeTemporaryFiles(): Promise<void> {
    await rm(this.#tmp, { recursive: true, force: true });
  }

  #check(digester: Digester, expected: Digest | undefined): IngestResult {
    const digest = digester.digest();
    if (expected !== undefined && digest !== expected) {
      throw new ImageError('DigestMismatch', `Blob content has digest "${digest}", expected "${expected}"`, {
        expected,
        actual: digest,
      });
    }
    return { digest, size: digester.bytes };
  }

  async #stat(digest: Digest) {
    try {
      return await stat(this.path(digest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): string[] {
  if (error.code === 'ENOENT') return [];
  throw error;
}
