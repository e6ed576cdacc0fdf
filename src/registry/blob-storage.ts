import { createHash, type Hash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { syncDirectory } from '../agent/images/atomic-file.ts';
import { type Digest, digestHex, isDigest } from '../agent/images/digest.ts';
import { ReadWriteLock } from '../agent/images/read-write-lock.ts';
import { RegistryError } from './registry-error.ts';

/** Who started an upload: the repository it lands in. */
export interface UploadOwner {
  account: string;
  region: string;
  repository: string;
}

export interface BlobStorageOptions {
  /** `<root>/blobs/sha256/<hex>` and `<root>/uploads/<id>/`. */
  root: string;
  randomHex: (bytes: number) => string;
  clock: { now(): number };
}

interface Running {
  hash: Hash;
  size: number;
  /** Appends to one upload run one after another. */
  tail: Promise<unknown>;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;

/**
 * The registry's blobs on disk, shared by every repository and account (which blobs a
 * repository holds is in the store). Uploads are written to their own directory, hashed as
 * they arrive, then checked, flushed and renamed into place: a blob under its digest is
 * always whole. Collection and the publishing of an upload exclude each other.
 */
export class BlobStorage {
  readonly #blobs: string;
  readonly #uploads: string;
  readonly #randomHex: (bytes: number) => string;
  readonly #clock: { now(): number };
  readonly #running = new Map<string, Running>();
  readonly #lock = new ReadWriteLock();

  constructor(o: BlobStorageOptions) {
    this.#blobs = join(o.root, 'blobs', 'sha256');
    this.#uploads = join(o.root, 'uploads');
    this.#randomHex = o.randomHex;
    this.#clock = o.clock;
  }

  path(digest: Digest): string {
    return join(this.#blobs, digestHex(digest));
  }

  async size(digest: Digest): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The bytes from `start` to `end` inclusive (the whole blob by default). */
  read(digest: Digest, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(digest), {
      highWaterMark: 1024 * 1024,
      ...(range && { start: range.start, end: range.end }),
    });
  }

  async startUpload(owner: UploadOwner): Promise<string> {
    const id = this.#randomHex(16);
    const dir = join(this.#uploads, id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'owner.json'), JSON.stringify({ ...owner, startedAt: this.#clock.now() }));
    await writeFile(join(dir, 'data'), '');
    this.#running.set(id, { hash: createHash('sha256'), size: 0, tail: Promise.resolve() });
    return id;
  }

  /** The upload's owner and how many bytes it has; BLOB_UPLOAD_UNKNOWN when there is none. */
  async upload(id: string): Promise<{ owner: UploadOwner; size: number }> {
    if (!UPLOAD_ID.test(id)) throw unknownUpload(id);
    const dir = join(this.#uploads, id);
    try {
      const owner = JSON.parse(await readFile(join(dir, 'owner.json'), 'utf8')) as UploadOwner;
      return { owner, size: (await stat(join(dir, 'data'))).size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw unknownUpload(id);
      throw error;
    }
  }

  /**
   * Appends a chunk; `at`, when given, must be the upload's current size (RANGE_INVALID
   * otherwise). Resolves with the new size.
   */
  append(id: string, body: Readable | AsyncIterable<Uint8Array>, at?: number): Promise<number> {
    const running = this.#running.get(id);
    const work = (running?.tail ?? Promise.resolve()).then(() => this.#append(id, body, at));
    if (running) running.tail = work.catch(() => {});
    return work;
  }

  async #append(id: string, body: AsyncIterable<Uint8Array>, at: number | undefined): Promise<number> {
    const { size } = await this.upload(id);
    if (at !== undefined && at !== size) {
      throw new RegistryError('RANGE_INVALID', `Upload "${id}" has ${size} bytes; the chunk starts at ${at}`);
    }
    let running = this.#running.get(id);
    // A server restart loses the running hash: it is made again from the file when finished.
    if (running && running.size !== size) running = undefined;
    const handle = await open(join(this.#uploads, id, 'data'), 'a');
    let written = size;
    // Requests arrive in 64 KiB pieces: write them a MiB at a time.
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await handle.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const chunk of body) {
        running?.hash.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        written += chunk.length;
        if (pendingBytes >= 1024 * 1024) await flush();
      }
      await flush();
    } finally {
      await handle.close();
      if (running) running.size = written;
      else this.#running.delete(id);
    }
    return written;
  }

  /**
   * Checks the upload has `expected` as digest, then publishes it as a blob and removes the
   * upload; `link` records it held. A mismatch answers DIGEST_INVALID and keeps the upload, as the spec lets a client retry.
   */
  async finish(
    id: string,
    expected: Digest,
    link: (blob: { digest: Digest; size: number }) => Promise<void>,
  ): Promise<{ digest: Digest; size: number }> {
    await this.#running.get(id)?.tail;
    const { size } = await this.upload(id);
    const data = join(this.#uploads, id, 'data');
    const running = this.#running.get(id);
    const digest: Digest =
      running && running.size === size ? `sha256:${running.hash.copy().digest('hex')}` : await hashFile(data);
    if (digest !== expected) {
      throw new RegistryError('DIGEST_INVALID', `Upload has digest "${digest}", not "${expected}"`, {
        expected,
        actual: digest,
      });
    }
    const handle = await open(data, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.#lock.shared(async () => {
      await mkdir(this.#blobs, { recursive: true });
      await rename(data, this.path(digest));
      await syncDirectory(this.#blobs);
      // Before the lock is let go, so that no collection sees the blob unheld.
      await link({ digest, size });
    });
    await this.cancel(id);
    return { digest, size };
  }

  async cancel(id: string): Promise<void> {
    if (!UPLOAD_ID.test(id)) throw unknownUpload(id);
    this.#running.delete(id);
    await rm(join(this.#uploads, id), { recursive: true, force: true });
  }

  /**
   * Deletes blobs that no repository holds (`held` says which of a batch are held) and
   * uploads older than `uploadTtlMs`.
   */
  async collect(held: (digests: string[]) => Promise<Set<string>>, uploadTtlMs: number) {
    const deleted: Digest[] = [];
    await this.#lock.exclusive(async () => {
      const names = await readdir(this.#blobs).catch(() => [] as string[]);
      const digests = names.map((n) => `sha256:${n}`).filter(isDigest);
      const kept = await held(digests);
      for (const d of digests) {
        if (kept.has(d)) continue;
        await unlink(this.path(d)).catch(() => {});
        deleted.push(d);
      }
    });
    const cutoff = this.#clock.now() - uploadTtlMs;
    for (const id of await readdir(this.#uploads).catch(() => [] as string[])) {
      const info = await stat(join(this.#uploads, id)).catch(() => undefined);
      if (info && info.mtimeMs < cutoff && !this.#running.has(id)) await this.cancel(id).catch(() => {});
    }
    return deleted;
  }
}

function unknownUpload(id: string): RegistryError {
  return new RegistryError('BLOB_UPLOAD_UNKNOWN', `Upload "${id}" is not known`);
}

async function hashFile(path: string): Promise<Digest> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}
