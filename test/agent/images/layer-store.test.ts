import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Digest } from '../../../src/agent/images/digest.ts';
import { ImageError } from '../../../src/agent/images/image-error.ts';
import { LayerStore } from '../../../src/agent/images/layer-store.ts';
import { type LayerEntry, layerTar, opaque, sha256, whiteout } from '../../fixtures/images.ts';
import { tempDir } from './temp-dir.ts';

async function setup(t: import('node:test').TestContext) {
  const dir = await tempDir(t);
  const store = new LayerStore({ root: join(dir, 'store') });
  let n = 0;
  /** Writes a layer blob and returns its path and the diffID of its uncompressed tar. */
  const blob = async (tar: Buffer, compress?: (b: Buffer) => Buffer) => {
    const path = join(dir, `blob-${n++}`);
    await writeFile(path, compress ? compress(tar) : tar);
    return { path, diffId: sha256(tar) as Digest };
  };
  return { dir, store, blob };
}

const isImageError = (code: string) => (e: unknown) => e instanceof ImageError && e.code === code;

function xattr(path: string, name: string): string | undefined {
  try {
    return execFileSync('getfattr', ['-h', '--only-values', '-n', name, path], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch {
    return undefined;
  }
}

describe('LayerStore', () => {
  it('unpacks a GNU tar layer as GNU tar itself extracts it', async (t) => {
    const { dir, store, blob } = await setup(t);
    const src = join(dir, 'src');
    const long = 'x'.repeat(120);
    const script = `
      set -e
      mkdir -p ${src}/usr/bin ${src}/srv/${long} ${src}/tmp ${src}/dev ${src}/home/app
      printf 'hello' > ${src}/usr/bin/tool
      chown 1000:1000 ${src}/usr/bin/tool && chmod 4755 ${src}/usr/bin/tool
      printf 'deep' > ${src}/srv/${long}/${long}.txt
      ln ${src}/usr/bin/tool ${src}/usr/bin/tool-hardlink
      ln -s ../../etc/passwd ${src}/usr/bin/rel-link
      ln -s /etc/shadow ${src}/usr/bin/abs-link
      chmod 1777 ${src}/tmp && chmod 2750 ${src}/home/app && chown 1000:1000 ${src}/home/app
      mknod ${src}/dev/null c 1 3 && mknod ${src}/dev/loop9 b 7 9 && mkfifo ${src}/dev/fifo
      setfattr -n user.note -v hi ${src}/srv/${long}/${long}.txt
      setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= ${src}/usr/bin/tool
    `;
    execFileSync('sh', ['-c', script]);
    const tarPath = join(dir, 'layer.tar');
    execFileSync('tar', [
      '--xattrs',
      '--xattrs-include=*',
      '--numeric-owner',
      '-C',
      src,
      '-cf',
      tarPath,
      '.',
    ]);
    const reference = join(dir, 'reference');
    await mkdir(reference);
    execFileSync('tar', [
      '--xattrs',
      '--xattrs-include=*',
      '--numeric-owner',
      '-xpf',
      tarPath,
      '-C',
      reference,
    ]);

    const { path, diffId } = await blob(await readFile(tarPath));
    const result = await store.ensure(diffId, path);
    assert.equal(result.unpacked, true);
    assert.equal(result.dir, store.path(diffId));

    const listing = (root: string) =>
      execFileSync(
        'sh',
        [
          '-c',
          `cd ${root} && find . -printf '%p %m %U:%G %y %s %n %l %D:%Ts\\n' | sed 's/ [0-9]*:/ /' | sort`,
        ],
        {
          encoding: 'utf8',
        },
      );
    assert.equal(listing(result.dir), listing(reference));
    const dump = (root: string) =>
      execFileSync('sh', ['-c', `cd ${root} && getfattr -h -R -d -m - . | sort`], { encoding: 'utf8' });
    assert.equal(dump(result.dir), dump(reference));
    assert.match(dump(result.dir), /security\.capability/);
    const dev = await stat(join(result.dir, 'dev/loop9'));
    assert.ok(dev.isBlockDevice());
    assert.equal(dev.rdev, (7 << 8) | 9);
    assert.equal((await stat(join(result.dir, 'usr/bin/tool'))).mode & 0o7777, 0o4755);
  });

  it('turns OCI whiteouts into overlayfs whiteouts and opaque directories', async (t) => {
    const { store, blob } = await setup(t);
    const entries: LayerEntry[] = [
      { type: 'dir', path: 'etc' },
      whiteout('etc/group'),
      { type: 'dir', path: 'home' },
      opaque('home'),
      { path: 'home/new', content: 'new' },
      whiteout('var/cache'), // parent not in the tar: made on the way
      { type: 'dir', path: 'srv' },
      whiteout('srv/data'),
      { type: 'dir', path: 'srv/data' }, // recreated in the same layer: must hide the lower one's content
      { path: 'etc/.wh..wh.plnk' },
    ];
    const { path, diffId } = await blob(layerTar(entries));
    const { dir } = await store.ensure(diffId, path);

    for (const gone of ['etc/group', 'var/cache']) {
      const s = await lstat(join(dir, gone));
      assert.ok(s.isCharacterDevice(), `${gone} is a character device`);
      assert.equal(s.rdev, 0);
    }
    assert.equal(xattr(join(dir, 'home'), 'trusted.overlay.opaque'), 'y');
    assert.equal(xattr(join(dir, 'srv/data'), 'trusted.overlay.opaque'), 'y');
    assert.equal(xattr(join(dir, 'etc'), 'trusted.overlay.opaque'), undefined);
    assert.equal(await readFile(join(dir, 'home/new'), 'utf8'), 'new');
    const names = execFileSync('find', [dir], { encoding: 'utf8' });
    assert.doesNotMatch(names, /\.wh\./);
  });

  it('refuses entries that escape the layer and leaves nothing behind', async (t) => {
    const { dir, store, blob } = await setup(t);
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const hostile: Array<[string, LayerEntry[]]> = [
      ['dot-dot', [{ path: '../../evil', content: 'x' }]],
      [
        'dot-dot inside',
        [
          { type: 'dir', path: 'a' },
          { path: 'a/../../evil', content: 'x' },
        ],
      ],
      [
        'symlink parent',
        [
          { type: 'symlink', path: 'esc', target: outside },
          { path: 'esc/pwned', content: 'x' },
        ],
      ],
      ['symlink whiteout', [{ type: 'symlink', path: 'esc', target: outside }, whiteout('esc/file')]],
      ['hardlink out', [{ type: 'hardlink', path: 'h', target: '../../etc/passwd' }]],
    ];
    for (const [name, entries] of hostile) {
      const { path, diffId } = await blob(layerTar(entries));
      await assert.rejects(store.ensure(diffId, path), isImageError('UnsafePath'), name);
      assert.equal(await store.has(diffId), false, name);
    }
    assert.deepEqual(await readdir(outside), []);
    assert.deepEqual(await readdir(join(dir, 'store', 'layers')), []);
    await assert.rejects(stat(join(dir, 'evil')));
    await assert.rejects(stat(join(dir, 'store', 'evil')));
  });

  it('keeps symlinks that point anywhere, and absolute names inside the layer', async (t) => {
    const { store, blob } = await setup(t);
    const { path, diffId } = await blob(
      layerTar([
        { type: 'symlink', path: 'passwd', target: '/etc/passwd' },
        { type: 'symlink', path: 'up', target: '../../..' },
        { path: '/abs/file', content: 'in' },
        { path: './dot/file', content: 'in' },
      ]),
    );
    const { dir } = await store.ensure(diffId, path);
    assert.equal(await readlink(join(dir, 'passwd')), '/etc/passwd');
    assert.equal(await readlink(join(dir, 'up')), '../../..');
    assert.equal(await readFile(join(dir, 'abs/file'), 'utf8'), 'in');
    assert.equal(await readFile(join(dir, 'dot/file'), 'utf8'), 'in');
  });

  it('refuses a layer whose content is not its diffID, and keeps nothing of it', async (t) => {
    const { store, blob } = await setup(t);
    const real = await blob(layerTar([{ path: 'real', content: 'real' }]));
    const claimed = sha256(layerTar([{ path: 'claimed', content: 'claimed' }])) as Digest;
    await assert.rejects(store.ensure(claimed, real.path), isImageError('DigestMismatch'));
    assert.equal(await store.has(claimed), false);
    assert.deepEqual(await store.list(), []);
    // The right diffID for the same blob still works.
    assert.equal((await store.ensure(real.diffId, real.path)).unpacked, true);
    assert.deepEqual(await store.list(), [real.diffId]);
  });

  it('refuses a truncated tar and a blob that is not a tar', async (t) => {
    const { store, blob } = await setup(t);
    const tar = layerTar([{ path: 'file', content: 'x'.repeat(5000) }]);
    const cut = await blob(tar.subarray(0, 2048));
    await assert.rejects(store.ensure(cut.diffId, cut.path), isImageError('InvalidLayer'));
    const junk = await blob(Buffer.from('this is not a tar archive at all'.repeat(40)));
    await assert.rejects(store.ensure(junk.diffId, junk.path), isImageError('InvalidLayer'));
    assert.deepEqual(await store.list(), []);
  });

  it('unpacks gzip layers, and refuses zstd with a clear error', async (t) => {
    const { store, blob } = await setup(t);
    const gz = await blob(layerTar([{ path: 'zipped', content: 'z' }]), (b) => gzipSync(b));
    const { dir } = await store.ensure(gz.diffId, gz.path);
    assert.equal(await readFile(join(dir, 'zipped'), 'utf8'), 'z');

    const zstd = await blob(layerTar([{ path: 'f' }]), (b) =>
      Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), b]),
    );
    await assert.rejects(store.ensure(zstd.diffId, zstd.path), (e: unknown) => {
      assert.ok(e instanceof ImageError);
      assert.equal(e.code, 'UnsupportedCompression');
      assert.match(e.message, /zstd/);
      return true;
    });
  });

  it('shares one unpack between concurrent requests for a layer', async (t) => {
    const { store, blob } = await setup(t);
    const { path, diffId } = await blob(
      layerTar(Array.from({ length: 200 }, (_, i) => ({ path: `f${i}`, content: `${i}` }))),
    );
    const results = await Promise.all([1, 2, 3, 4].map(() => store.ensure(diffId, path)));
    assert.equal(results.filter((r) => r.unpacked).length, 1);
    assert.equal((await store.ensure(diffId, path)).unpacked, false);
    assert.equal((await readdir(store.path(diffId))).length, 200);
  });

  it('removes a partial unpack left by a crash before unpacking again', async (t) => {
    const { store, blob } = await setup(t);
    const { path, diffId } = await blob(layerTar([{ path: 'good', content: 'g' }]));
    const partial = `${store.path(diffId)}.partial`;
    await mkdir(partial, { recursive: true });
    await writeFile(join(partial, 'stale'), 'left by a crash');
    await symlink('/etc', join(partial, 'good'));
    const { dir } = await store.ensure(diffId, path);
    assert.deepEqual(await readdir(dir), ['good']);
    assert.equal(await readFile(join(dir, 'good'), 'utf8'), 'g');
    await assert.rejects(stat(partial));
  });

  it('discards a layer at once and purges its files later', async (t) => {
    const { store, blob } = await setup(t);
    const { path, diffId } = await blob(layerTar([{ path: 'f', content: 'f' }]));
    await store.ensure(diffId, path);
    assert.equal(await store.discard(diffId), true);
    assert.equal(await store.has(diffId), false);
    assert.deepEqual(await store.list(), []);
    await store.purgeTrash();
    assert.deepEqual(await readdir(join(store.path(diffId), '..')), []);
    assert.equal(await store.discard(diffId), false);
  });
});
