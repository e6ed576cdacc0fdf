import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { type Digest, digestHex, isDigest } from './digest.ts';
import { ImageError } from './image-error.ts';
import { type Image, type ImageRecord, parseImageRecord } from './image-record.ts';
import { formatReference, parseReference } from './reference.ts';

export interface ImageCatalogOptions {
  /** Records live in `<root>/images/<manifest hex>.json`, references in `<root>/references.json`. */
  root: string;
  randomHex: (bytes: number) => string;
}

interface State {
  references: Map<string, Digest>;
  images: Map<Digest, ImageRecord>;
}

const SHORT_ID = /^(?:sha256:)?([0-9a-f]{12,64})$/;

/**
 * Image records and the references that point to them, on disk and cached in memory. Every
 * file is replaced atomically and changes are applied one at a time, so concurrent loads do
 * not lose each other's references and a crash leaves the old or the new state.
 */
export class ImageCatalog {
  readonly #root: string;
  readonly #randomHex: (bytes: number) => string;
  #state: Promise<State> | undefined;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(options: ImageCatalogOptions) {
    this.#root = options.root;
    this.#randomHex = options.randomHex;
  }

  /** See `ImageStore.resolve`. */
  async find(ref: string): Promise<Image | undefined> {
    const state = await this.#getState();
    const record = find(state, ref);
    return record && withReferences(state, record);
  }

  async get(manifestDigest: Digest): Promise<ImageRecord | undefined> {
    return (await this.#getState()).images.get(manifestDigest);
  }

  async list(): Promise<Image[]> {
    const state = await this.#getState();
    return [...state.images.values()].map((r) => withReferences(state, r));
  }

  /**
   * Writes records, then points `references` at them. Records that lose their last reference
   * to this change are deleted, not left dangling; their manifest digests are returned.
   */
  add(records: ImageRecord[], references: ReadonlyArray<readonly [string, Digest]>): Promise<Digest[]> {
    return this.#serial(async () => {
      const state = await this.#getState();
      await mkdir(join(this.#root, 'images'), { recursive: true });
      for (const record of records) {
        await writeFileAtomic(this.#recordPath(record.manifestDigest), JSON.stringify(record, null, 2), {
          tempSuffix: this.#randomHex(8),
        });
      }
      const next = new Map(state.references);
      for (const [ref, digest] of references) next.set(ref, digest);
      await this.#writeReferences(next);
      const kept = new Set([...next.values(), ...records.map((r) => r.manifestDigest)]);
      const orphans = [...new Set(state.references.values())].filter((d) => !kept.has(d));
      for (const record of records) state.images.set(record.manifestDigest, record);
      state.references = next;
      for (const digest of orphans) await this.#deleteRecord(state, digest);
      return orphans;
    });
  }

  /**
   * Removes a reference; its image's record goes with its last reference. A digest or image
   * id removes the image with all its references. Throws `ImageNotFound`.
   */
  remove(ref: string): Promise<{ untagged: string[]; deleted: Digest[] }> {
    return this.#serial(async () => {
      const state = await this.#getState();
      const key = tagKey(ref);
      const tagged = key === undefined ? undefined : state.references.get(key);
      let untagged: string[];
      let target: Digest;
      if (key !== undefined && tagged !== undefined) {
        untagged = [key];
        target = tagged;
      } else {
        const record = find(state, ref);
        if (!record) throw new ImageError('ImageNotFound', `Image "${ref}" not found`, { reference: ref });
        target = record.manifestDigest;
        untagged = referencesTo(state, target);
      }
      const next = new Map(state.references);
      for (const r of untagged) next.delete(r);
      await this.#writeReferences(next);
      state.references = next;
      const deleted = referencesTo(state, target).length === 0 ? [target] : [];
      for (const digest of deleted) await this.#deleteRecord(state, digest);
      return { untagged, deleted };
    });
  }

  async #deleteRecord(state: State, digest: Digest): Promise<void> {
    await unlink(this.#recordPath(digest)).catch(ignoreMissing);
    state.images.delete(digest);
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
    const text = await readFile(join(this.#root, 'references.json'), 'utf8').catch(ignoreMissing);
    if (text !== undefined) {
      const json = JSON.parse(text) as { references?: Record<string, string> };
      for (const [ref, digest] of Object.entries(json.references ?? {})) {
        if (isDigest(digest)) references.set(ref, digest);
      }
    }
    const images = new Map<Digest, ImageRecord>();
    const dir = join(this.#root, 'images');
    const names = (await readdir(dir).catch(ignoreMissing)) ?? [];
    for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
      const record = parseImageRecord(JSON.parse(await readFile(join(dir, name), 'utf8')));
      images.set(record.manifestDigest, record);
    }
    return { references, images };
  }

  async #writeReferences(references: Map<string, Digest>): Promise<void> {
    await mkdir(this.#root, { recursive: true });
    const sorted = Object.fromEntries([...references].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeFileAtomic(
      join(this.#root, 'references.json'),
      JSON.stringify({ schemaVersion: 1, references: sorted }, null, 2),
      { tempSuffix: this.#randomHex(8) },
    );
  }

  #recordPath(manifestDigest: Digest): string {
    return join(this.#root, 'images', `${digestHex(manifestDigest)}.json`);
  }

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
  if (new Set(matches.map((m) => m.configDigest)).size > 1) {
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
