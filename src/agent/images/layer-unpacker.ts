import {
  chmod,
  type FileHandle,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  rm,
  symlink,
  unlink,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Digest, Digester } from './digest.ts';
import { cleanEntryPath, unsafe } from './entry-path.ts';
import { ImageError } from './image-error.ts';
import { createSpecialNodes, type SpecialNode, setExtendedAttributes } from './overlay-nodes.ts';
import { readTar, type TarEntry } from './tar-reader.ts';

export interface UnpackLayerOptions {
  /** The diffID the uncompressed stream must hash to; checked before any node or xattr is made. */
  expectedDiffId?: Digest;
  signal?: AbortSignal;
}

export interface UnpackLayerResult {
  /** sha256 of the uncompressed tar, every byte of it. */
  diffId: Digest;
  entries: number;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const OPAQUE_XATTR = 'trusted.overlay.opaque';

/**
 * Extracts one uncompressed layer tar into the empty directory `dir`, in the form overlayfs
 * reads: OCI whiteouts become 0/0 character devices, opaque markers become the
 * `trusted.overlay.opaque` xattr. Ownership, modes, times, symlinks, hardlinks, device nodes
 * and xattrs are kept as root keeps them. An entry named with `..`, or whose parent is a
 * symlink, is refused with `UnsafePath`, so nothing is ever written outside `dir`.
 */
export async function unpackLayer(
  source: AsyncIterable<Uint8Array>,
  dir: string,
  options: UnpackLayerOptions = {},
): Promise<UnpackLayerResult> {
  const digester = new Digester();
  async function* hashed() {
    for await (const chunk of source) {
      digester.update(chunk);
      yield chunk;
    }
  }
  const state = new LayerState(dir);
  let entries = 0;
  await mkdir(dir, { recursive: true });
  for await (const entry of readTar(hashed(), options.signal ? { signal: options.signal } : {})) {
    entries++;
    await state.apply(entry);
  }
  const diffId = digester.digest();
  if (options.expectedDiffId !== undefined && diffId !== options.expectedDiffId) {
    throw new ImageError(
      'DigestMismatch',
      `Layer content has diffID "${diffId}", expected "${options.expectedDiffId}"`,
      { expected: options.expectedDiffId, actual: diffId },
    );
  }
  await state.finish(options);
  return { diffId, entries };
}

/** What one layer's extraction has made so far, and what is left for the end. */
class LayerState {
  readonly #dir: string;
  /** Paths known to be real directories (not symlinks), so parents are checked once. */
  readonly #dirs = new Set<string>(['']);
  readonly #specials = new Map<string, SpecialNode>();
  readonly #xattrs = new Map<string, Map<string, Buffer>>();
  readonly #whiteouts = new Map<string, number>();
  readonly #dirTimes = new Map<string, number>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  async apply(entry: TarEntry): Promise<void> {
    const rel = cleanEntryPath(entry.path);
    // Pre-POSIX tars mark directories with a trailing slash on a regular-file entry.
    const type = entry.type === 'file' && entry.path.endsWith('/') ? 'directory' : entry.type;
    if (rel === '') {
      if (type !== 'directory') throw unsafe(entry.path, 'replaces the layer root');
      await this.#setOwnerAndMode('', entry);
      this.#dirTimes.set('', entry.mtimeMs);
      return;
    }
    const slash = rel.lastIndexOf('/');
    const parent = slash === -1 ? '' : rel.slice(0, slash);
    const base = rel.slice(slash + 1);
    if (base.startsWith(WHITEOUT)) return this.#whiteout(entry, parent, base);

    await this.#ensureParents(parent, entry.path);
    if (type !== 'directory' || !this.#dirs.has(rel)) await this.#removeExisting(rel, type === 'directory');
    const abs = join(this.#dir, rel);
    switch (type) {
      case 'directory':
        if (!this.#dirs.has(rel)) {
          await mkdir(abs, { mode: 0o700 }).catch(ignoreExists);
          this.#dirs.add(rel);
        }
        await this.#setOwnerAndMode(rel, entry);
        this.#dirTimes.set(rel, entry.mtimeMs);
        break;
      case 'file':
        await writeFile(abs, entry);
        break;
      case 'symlink':
        await symlink(entry.linkpath, abs);
        await lchown(abs, entry.uid, entry.gid);
        await lutimes(abs, entry.mtimeMs / 1000, entry.mtimeMs / 1000);
        return; // symlinks cannot carry user xattrs, and ours are never followed
      case 'hardlink': {
        const target = cleanEntryPath(entry.linkpath);
        if (target === '') throw unsafe(entry.path, 'links to the layer root');
        await this.#ensureParents(dirname(target) === '.' ? '' : dirname(target), entry.linkpath);
        await link(join(this.#dir, target), abs).catch((error: NodeJS.ErrnoException) => {
          throw new ImageError(
            'InvalidLayer',
            `Hardlink "${entry.path}" to "${entry.linkpath}" failed: ${error.code}`,
            {
              path: entry.path,
            },
          );
        });
        return; // the inode already has its owner, mode and xattrs
      }
      default:
        this.#specials.set(rel, {
          type,
          mode: entry.mode,
          uid: entry.uid,
          gid: entry.gid,
          devmajor: entry.devmajor,
          devminor: entry.devminor,
          mtimeMs: entry.mtimeMs,
        });
    }
    this.#recordXattrs(rel, entry.xattrs);
  }

  /** Whiteouts wait for the end: a name deleted in lower layers may be created again in this one. */
  async #whiteout(entry: TarEntry, parent: string, base: string): Promise<void> {
    await this.#ensureParents(parent, entry.path);
    if (base === OPAQUE) {
      this.#addXattr(parent, OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // other AUFS metadata: meaningless here
    const name = base.slice(WHITEOUT.length);
    if (name === '' || name === '.' || name === '..') throw unsafe(entry.path, 'is a whiteout of nothing');
    this.#whiteouts.set(parent === '' ? name : `${parent}/${name}`, entry.mtimeMs);
  }

  async finish(options: { signal?: AbortSignal }): Promise<void> {
    for (const [rel, mtimeMs] of this.#whiteouts) {
      const existing = this.#specials.has(rel) ? 'special' : await kindOf(join(this.#dir, rel));
      // The OCI spec: a whiteout only hides what lower layers hold. A directory of the same
      // name in this layer must hide their content, which is what opaque means.
      if (existing === 'directory') this.#addXattr(rel, OPAQUE_XATTR, Buffer.from('y'));
      else if (existing === 'none') {
        this.#specials.set(rel, { type: 'char', mode: 0, uid: 0, gid: 0, devmajor: 0, devminor: 0, mtimeMs });
      }
    }
    await createSpecialNodes(this.#dir, this.#specials, options);
    await setExtendedAttributes(this.#dir, this.#xattrs, options);
    // Deepest first, and last of all: creating anything inside a directory changes its mtime.
    const dirs = [...this.#dirTimes].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [rel, mtimeMs] of dirs) await lutimes(join(this.#dir, rel), mtimeMs / 1000, mtimeMs / 1000);
  }

  /** Makes the parents of an entry, refusing to go through a symlink or a file. */
  async #ensureParents(parent: string, name: string): Promise<void> {
    if (this.#dirs.has(parent)) return;
    let current = '';
    for (const part of parent.split('/')) {
      current = current === '' ? part : `${current}/${part}`;
      if (this.#dirs.has(current)) continue;
      const abs = join(this.#dir, current);
      const kind = this.#specials.has(current) ? 'special' : await kindOf(abs);
      if (kind === 'symlink') throw unsafe(name, `goes through the symbolic link "${current}"`);
      if (kind === 'none') await mkdir(abs, { mode: 0o755 });
      else if (kind !== 'directory') {
        throw new ImageError(
          'InvalidLayer',
          `Layer entry "${name}" is inside "${current}", which is not a directory`,
          {
            path: name,
          },
        );
      }
      this.#dirs.add(current);
    }
  }

  /** A later entry replaces an earlier one of the same name; a directory over a directory merges. */
  async #removeExisting(rel: string, keepDirectory: boolean): Promise<void> {
    this.#forget(rel);
    const abs = join(this.#dir, rel);
    const kind = await kindOf(abs);
    if (kind === 'none' || (kind === 'directory' && keepDirectory)) return;
    if (kind === 'directory') await rm(abs, { recursive: true, force: true });
    else await unlink(abs);
  }

  #forget(rel: string): void {
    const under = `${rel}/`;
    for (const map of [this.#specials, this.#xattrs, this.#dirTimes]) {
      for (const key of map.keys()) if (key === rel || key.startsWith(under)) map.delete(key);
    }
    for (const key of this.#dirs) if (key === rel || key.startsWith(under)) this.#dirs.delete(key);
  }

  async #setOwnerAndMode(rel: string, entry: TarEntry): Promise<void> {
    const abs = join(this.#dir, rel);
    await lchown(abs, entry.uid, entry.gid);
    // After chown, which clears setuid and setgid bits. `abs` is a checked directory, not a link.
    await chmod(abs, entry.mode);
  }

  #recordXattrs(rel: string, xattrs: ReadonlyMap<string, Buffer>): void {
    for (const [name, value] of xattrs) {
      // trusted.* from a layer could forge overlayfs metadata; SELinux labels come from policy.
      if (name.startsWith('trusted.') || name === 'security.selinux') continue;
      this.#addXattr(rel, name, value);
    }
  }

  #addXattr(rel: string, name: string, value: Buffer): void {
    let attrs = this.#xattrs.get(rel);
    if (attrs === undefined) {
      attrs = new Map();
      this.#xattrs.set(rel, attrs);
    }
    attrs.set(name, value);
  }
}

async function writeFile(abs: string, entry: TarEntry): Promise<void> {
  // 'wx' never follows a symlink: O_EXCL fails on any existing name.
  const handle: FileHandle = await open(abs, 'wx', 0o600);
  try {
    for await (const piece of entry.body()) await handle.write(piece);
    await handle.chown(entry.uid, entry.gid);
    await handle.chmod(entry.mode);
    await handle.utimes(entry.mtimeMs / 1000, entry.mtimeMs / 1000);
  } finally {
    await handle.close();
  }
}

type Kind = 'none' | 'directory' | 'symlink' | 'file' | 'special';

async function kindOf(abs: string): Promise<Kind> {
  try {
    const s = await lstat(abs);
    if (s.isDirectory()) return 'directory';
    if (s.isSymbolicLink()) return 'symlink';
    return s.isFile() ? 'file' : 'special';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
}

function ignoreExists(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EEXIST') throw error;
}
