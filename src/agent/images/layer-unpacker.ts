import {
  chmodSync,
  closeSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { type Digest, Digester } from './digest.ts';
import { cleanEntryPath, unsafe } from './entry-path.ts';
import { ImageError } from './image-error.ts';
import {
  createSpecialNodes,
  type NodeOptions,
  type SpecialNode,
  setExtendedAttributes,
} from './overlay-nodes.ts';
import type { RunCommand } from './run-command.ts';
import { readTar, type TarEntry } from './tar-reader.ts';

export interface UnpackLayerOptions {
  /** The diffID the uncompressed stream must hash to; checked before any node or xattr is made. */
  expectedDiffId?: Digest;
  /** Runs tar and setfattr for the nodes Node cannot make. @default spawns from this process */
  run?: RunCommand;
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

/** Files up to this size are written with one synchronous write; larger ones stream. */
const SMALL_FILE_BYTES = 128 * 1024;

/**
 * What one layer's extraction has made so far, and what is left for the end.
 *
 * Metadata syscalls (mkdir, symlink, chown, utimes...) are synchronous on purpose: each takes
 * microseconds, while a trip through libuv's thread pool costs far more; a layer of a few
 * hundred entries unpacks several times faster, and the event loop still gets control between
 * entries, since the tar stream is read asynchronously. File content of more than a small
 * size is written asynchronously, since a write may wait for writeback.
 */
class LayerState {
  readonly #dir: string;
  /** Paths known to be real directories (not symlinks), so parents are checked once. */
  readonly #dirs = new Set<string>(['']);
  /** Non-directory paths this layer has created: only these can need replacing. */
  readonly #made = new Set<string>();
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
      this.#setOwnerAndMode('', entry);
      this.#dirTimes.set('', entry.mtimeMs);
      return;
    }
    const slash = rel.lastIndexOf('/');
    const parent = slash === -1 ? '' : rel.slice(0, slash);
    const base = rel.slice(slash + 1);
    if (base.startsWith(WHITEOUT)) return this.#whiteout(entry, parent, base);

    this.#ensureParents(parent, entry.path);
    const isDir = type === 'directory';
    if (this.#made.has(rel) || (this.#dirs.has(rel) && !isDir)) this.#remove(rel);
    const abs = join(this.#dir, rel);
    switch (type) {
      case 'directory':
        if (!this.#dirs.has(rel)) {
          mkdirSync(abs, { mode: 0o700 });
          this.#dirs.add(rel);
        }
        this.#setOwnerAndMode(rel, entry);
        this.#dirTimes.set(rel, entry.mtimeMs);
        break;
      case 'file':
        this.#made.add(rel);
        await writeFile(abs, entry);
        break;
      case 'symlink':
        this.#made.add(rel);
        symlinkSync(entry.linkpath, abs);
        lchownSync(abs, entry.uid, entry.gid);
        lutimesSync(abs, entry.mtimeMs / 1000, entry.mtimeMs / 1000);
        return; // symlinks cannot carry user xattrs, and ours are never followed
      case 'hardlink': {
        const target = cleanEntryPath(entry.linkpath);
        if (target === '') throw unsafe(entry.path, 'links to the layer root');
        const targetParent = target.includes('/') ? target.slice(0, target.lastIndexOf('/')) : '';
        this.#ensureParents(targetParent, entry.linkpath);
        try {
          linkSync(join(this.#dir, target), abs);
        } catch (error) {
          throw new ImageError(
            'InvalidLayer',
            `Hardlink "${entry.path}" to "${entry.linkpath}" failed: ${(error as NodeJS.ErrnoException).code}`,
            { path: entry.path },
          );
        }
        this.#made.add(rel);
        return; // the inode already has its owner, mode and xattrs
      }
      default:
        this.#made.add(rel);
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
  #whiteout(entry: TarEntry, parent: string, base: string): void {
    this.#ensureParents(parent, entry.path);
    if (base === OPAQUE) {
      this.#addXattr(parent, OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // other AUFS metadata: meaningless here
    const name = base.slice(WHITEOUT.length);
    if (name === '' || name === '.' || name === '..') throw unsafe(entry.path, 'is a whiteout of nothing');
    this.#whiteouts.set(parent === '' ? name : `${parent}/${name}`, entry.mtimeMs);
  }

  async finish(options: NodeOptions): Promise<void> {
    for (const [rel, mtimeMs] of this.#whiteouts) {
      // The OCI spec: a whiteout only hides what lower layers hold. A directory of the same
      // name in this layer must hide their content, which is what opaque means.
      if (this.#dirs.has(rel)) this.#addXattr(rel, OPAQUE_XATTR, Buffer.from('y'));
      else if (!this.#made.has(rel)) {
        this.#specials.set(rel, { type: 'char', mode: 0, uid: 0, gid: 0, devmajor: 0, devminor: 0, mtimeMs });
      }
    }
    await createSpecialNodes(this.#dir, this.#specials, options);
    await setExtendedAttributes(this.#dir, this.#xattrs, options);
    // Deepest first, and last of all: creating anything inside a directory changes its mtime.
    const dirs = [...this.#dirTimes].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [rel, mtimeMs] of dirs) lutimesSync(join(this.#dir, rel), mtimeMs / 1000, mtimeMs / 1000);
  }

  /** Makes the parents of an entry, refusing to go through a symlink or a file. */
  #ensureParents(parent: string, name: string): void {
    if (this.#dirs.has(parent)) return;
    let current = '';
    for (const part of parent.split('/')) {
      current = current === '' ? part : `${current}/${part}`;
      if (this.#dirs.has(current)) continue;
      if (this.#made.has(current)) {
        const symlink = lstatSync(join(this.#dir, current), { throwIfNoEntry: false })?.isSymbolicLink();
        if (symlink) throw unsafe(name, `goes through the symbolic link "${current}"`);
        throw new ImageError(
          'InvalidLayer',
          `Layer entry "${name}" is inside "${current}", which is not a directory`,
          {
            path: name,
          },
        );
      }
      mkdirSync(join(this.#dir, current), { mode: 0o755 });
      this.#dirs.add(current);
    }
  }

  /** A later entry replaces an earlier one of the same name; a directory over a directory merges. */
  #remove(rel: string): void {
    const under = `${rel}/`;
    for (const map of [this.#specials, this.#xattrs, this.#dirTimes]) {
      for (const key of map.keys()) if (key === rel || key.startsWith(under)) map.delete(key);
    }
    for (const set of [this.#dirs, this.#made]) {
      for (const key of set) if (key === rel || key.startsWith(under)) set.delete(key);
    }
    const stat = lstatSync(join(this.#dir, rel), { throwIfNoEntry: false });
    if (stat?.isDirectory()) rmSync(join(this.#dir, rel), { recursive: true, force: true });
    else if (stat) unlinkSync(join(this.#dir, rel));
  }

  #setOwnerAndMode(rel: string, entry: TarEntry): void {
    const abs = join(this.#dir, rel);
    lchownSync(abs, entry.uid, entry.gid);
    // After chown, which clears setuid and setgid bits. `abs` is a checked directory, not a link.
    chmodSync(abs, entry.mode);
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
  // 'wx' (O_CREAT | O_EXCL) never follows a symlink: it fails on any existing name.
  if (entry.size <= SMALL_FILE_BYTES) {
    const parts: Buffer[] = [];
    for await (const piece of entry.body()) parts.push(piece);
    const fd = openSync(abs, 'wx', 0o600);
    try {
      const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
      finishFile(fd, entry);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const handle: FileHandle = await open(abs, 'wx', 0o600);
  try {
    for await (const piece of entry.body()) await handle.write(piece);
    finishFile(handle.fd, entry);
  } finally {
    await handle.close();
  }
}

function finishFile(fd: number, entry: TarEntry): void {
  fchownSync(fd, entry.uid, entry.gid);
  fchmodSync(fd, entry.mode); // after chown, which clears setuid and setgid bits
  futimesSync(fd, entry.mtimeMs / 1000, entry.mtimeMs / 1000);
}
