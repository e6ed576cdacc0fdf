import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rm, rmdir, symlink, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { type Digest, isDigest } from './digest.ts';
import { ImageError } from './image-error.ts';
import type { LayerStore } from './layer-store.ts';
import { readMountInfo } from './mountinfo.ts';
import { type RunCommand, runCommand } from './run-command.ts';

/** A mounted container root filesystem. */
export interface Rootfs {
  containerDir: string;
  /** The merged tree, `<containerDir>/rootfs`: where a runc bundle expects its root. */
  path: string;
  /** Where the container's writes land; absent for a read-only rootfs. */
  upperDir?: string;
  readonly: boolean;
}

/** The record, kept while a rootfs exists, that stops garbage collection from taking its layers. */
export interface RootfsLease {
  containerDir: string;
  manifestDigest: Digest;
  /** Bottom layer first, as in the image config. */
  diffIds: Digest[];
  readonly: boolean;
  createdAtMs: number;
}

/** A rootfs found on the host: leased, mounted, or (after a crash) only one of the two. */
export interface RootfsInfo {
  containerDir: string;
  path: string;
  mounted: boolean;
  /** Undefined for a neargate overlay mount without a lease, which only a manual deletion causes. */
  lease?: RootfsLease;
}

export interface RootfsManagerOptions {
  /** The image store's root; leases live in `<root>/rootfs/`. */
  root: string;
  layers: LayerStore;
  clock?: { now(): number };
  randomHex?: (bytes: number) => string;
  /** Runs mount and umount. @default spawns from this process */
  run?: RunCommand;
}

/**
 * Marks the overlay mounts of one image store in mountinfo, so they can be found again without
 * any file, and told apart from those of another neargate on the same host.
 */
export function mountSource(root: string): string {
  return `neargate-${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 12)}`;
}
/** The kernel copies at most one page of mount options; leave room for the terminating NUL. */
const MAX_OPTIONS_BYTES = 4095;
const UNSAFE_IN_OPTIONS = /[,:\\\s=]/;

const defaultRandomHex = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/**
 * Mounts and unmounts overlayfs container roots over unpacked layers. Each rootfs has a lease
 * file written before its mount and removed after its unmount, so a layer in use is always
 * visible to garbage collection, and a restarted server can list what is left over.
 * One process (`mount`) per mount and one (`umount`) per unmount; everything else is syscalls.
 */
export class RootfsManager {
  readonly #dir: string;
  readonly #source: string;
  readonly #emptyDir: string;
  readonly #layers: LayerStore;
  readonly #clock: { now(): number };
  readonly #randomHex: (bytes: number) => string;
  readonly #run: RunCommand;

  constructor(options: RootfsManagerOptions) {
    const root = resolve(options.root);
    if (UNSAFE_IN_OPTIONS.test(root)) {
      throw new RangeError(`Image store root "${root}" has a character overlayfs options cannot carry`);
    }
    this.#dir = join(root, 'rootfs');
    this.#source = mountSource(root);
    this.#emptyDir = join(root, 'empty');
    this.#layers = options.layers;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#randomHex = options.randomHex ?? defaultRandomHex;
    this.#run = options.run ?? runCommand;
  }

  /** Creates the container's directories and records the lease; call before `mount`. */
  async lease(
    image: { manifestDigest: Digest; diffIds: readonly Digest[] },
    containerDir: string,
    readonly: boolean,
  ): Promise<RootfsLease> {
    // The directories first (they make containerDir too), all at once: this is on every task's start.
    const made = readonly ? ['rootfs'] : ['rootfs', 'upper', 'work'];
    await Promise.all([
      ...made.map((d) => mkdir(join(containerDir, d), { recursive: true })),
      mkdir(this.#dir, { recursive: true }),
    ]);
    const dir = await realpath(containerDir);
    if (UNSAFE_IN_OPTIONS.test(dir)) {
      throw new RangeError(`Container directory "${dir}" has a character overlayfs options cannot carry`);
    }
    const lease: RootfsLease = {
      containerDir: dir,
      manifestDigest: image.manifestDigest,
      diffIds: [...image.diffIds],
      readonly,
      createdAtMs: this.#clock.now(),
    };
    // Not fsynced: a power loss also drops the mount the lease protects.
    await writeFileAtomic(this.#leasePath(dir), JSON.stringify(lease), {
      tempSuffix: this.#randomHex(8),
      durable: false,
    });
    return lease;
  }

  /** Mounts the overlay a lease describes. */
  async mount(lease: RootfsLease, options: { signal?: AbortSignal } = {}): Promise<Rootfs> {
    const dir = lease.containerDir;
    const path = join(dir, 'rootfs');
    const upperDir = join(dir, 'upper');
    // overlayfs lists lower directories top first; an image config lists layers bottom first.
    let lowers = [...lease.diffIds].reverse().map((d) => this.#layers.path(d));
    if (lease.readonly && lowers.length === 1) {
      // Without an upper directory overlayfs wants two lowers; an empty one changes nothing.
      await mkdir(this.#emptyDir, { recursive: true });
      lowers.push(this.#emptyDir);
    }
    const writable = lease.readonly ? '' : `,upperdir=${upperDir},workdir=${join(dir, 'work')}`;
    let cwd: string | undefined;
    if (Buffer.byteLength(`lowerdir=${lowers.join(':')}${writable}`) > MAX_OPTIONS_BYTES) {
      // Too long for one page: name each layer by a one- to three-digit symlink and let the
      // kernel resolve them relative to mount's working directory. Docker's overlay2 driver
      // does the same with its `l/` directory of short links.
      cwd = join(dir, 'lower');
      await rm(cwd, { recursive: true, force: true });
      await mkdir(cwd);
      await Promise.all(lowers.map((target, i) => symlink(target, join(cwd as string, String(i)))));
      lowers = lowers.map((_, i) => String(i));
    }
    const data = `${lease.readonly ? 'ro,' : ''}lowerdir=${lowers.join(':')}${writable}`;
    if (Buffer.byteLength(data) > MAX_OPTIONS_BYTES) {
      // The kernel would cut the options at a page and mount fewer layers without a word.
      throw new ImageError('TooManyLayers', `Image has too many layers (${lowers.length}) to mount`, {
        layers: lowers.length,
      });
    }
    // -n: no /etc/mtab; -i: no /sbin/mount.overlay helper. Both save work on the hot path.
    await this.#run('mount', ['-n', '-i', '-t', 'overlay', '-o', data, this.#source, path], {
      ...(cwd && { cwd }),
      ...(options.signal && { signal: options.signal }),
    });
    return { containerDir: dir, path, ...(lease.readonly ? {} : { upperDir }), readonly: lease.readonly };
  }

  /**
   * Unmounts the container's rootfs if mounted, removes what `lease` and `mount` created
   * (rootfs, upper, work, lower) and the lease. Safe to call again, and after a crash.
   */
  async unmount(containerDir: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const dir = await realpath(containerDir).catch(() => resolve(containerDir));
    const path = join(dir, 'rootfs');
    for (let i = 0; i < 8 && (await isMountPoint(path)); i++) {
      try {
        await this.#run('umount', ['-n', '-i', path], options.signal ? { signal: options.signal } : {});
      } catch (error) {
        if (!(error instanceof ImageError && /busy/i.test(String(error.data.stderr)))) throw error;
        // A process still holds a file in it; detach now, the kernel frees it when they let go.
        await this.#run('umount', ['-n', '-i', '--lazy', path]);
      }
    }
    if (await isMountPoint(path))
      throw new ImageError('CommandFailed', `Rootfs "${path}" is still mounted`, { path });
    // rmdir, never rm -r, on the mount point: if it were still mounted, rm -r would empty the layers.
    await rmdir(path).catch(ignoreMissing);
    await Promise.all(
      ['upper', 'work', 'lower'].map((d) => rm(join(dir, d), { recursive: true, force: true })),
    );
    await unlink(this.#leasePath(dir)).catch(ignoreMissing);
  }

  /**
   * The merged tree of one container's rootfs if it is mounted: one read of mountinfo, where
   * list() reads every lease on the host (hundreds while a service scales).
   */
  async mountedPath(containerDir: string): Promise<string | undefined> {
    const dir = await realpath(containerDir).catch(() => undefined);
    // A container directory not made yet (a task's first start) holds no mount.
    if (dir === undefined) return undefined;
    const path = join(dir, 'rootfs');
    const mounted = (await readMountInfo()).some(
      (m) => m.mountPoint === path && m.fsType === 'overlay' && m.source === this.#source,
    );
    return mounted ? path : undefined;
  }

  /** Every rootfs with a lease or a neargate overlay mount; what a restarted server must adopt or clean. */
  async list(): Promise<RootfsInfo[]> {
    const { leases } = await this.leases();
    const mounted = new Set(
      (await readMountInfo())
        .filter((m) => m.fsType === 'overlay' && m.source === this.#source)
        .map((m) => m.mountPoint),
    );
    const found: RootfsInfo[] = leases.map((lease) => {
      const path = join(lease.containerDir, 'rootfs');
      return { containerDir: lease.containerDir, path, mounted: mounted.delete(path), lease };
    });
    for (const path of mounted) found.push({ containerDir: dirname(path), path, mounted: true });
    return found;
  }

  /**
   * All leases. `unreadable` counts lease files that cannot be parsed: garbage collection
   * must then keep every layer, since it cannot know which ones they protect.
   */
  async leases(): Promise<{ leases: RootfsLease[]; unreadable: number }> {
    const names = await readdir(this.#dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const leases: RootfsLease[] = [];
    let unreadable = 0;
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const lease = JSON.parse(await readFile(join(this.#dir, name), 'utf8')) as RootfsLease;
        if (typeof lease.containerDir !== 'string' || !lease.diffIds.every(isDigest))
          throw new TypeError('bad lease');
        leases.push(lease);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // unmounted meanwhile
        unreadable++;
      }
    }
    return { leases, unreadable };
  }

  #leasePath(containerDir: string): string {
    const key = createHash('sha256').update(containerDir).digest('hex').slice(0, 32);
    return join(this.#dir, `${key}.json`);
  }
}

async function isMountPoint(path: string): Promise<boolean> {
  return (await readMountInfo()).some((m) => m.mountPoint === path);
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
