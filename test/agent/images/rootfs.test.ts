import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Digest } from '../../../src/agent/images/digest.ts';
import { ImageStore } from '../../../src/agent/images/image-store.ts';
import { readMountInfo } from '../../../src/agent/images/mountinfo.ts';
import { type LayerEntry, opaque, whiteout, writeImageArchive } from '../../fixtures/images.ts';
import { tempDir } from './temp-dir.ts';

async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const root = join(dir, 'store');
  const store = new ImageStore({ root });
  const load = async (name: string, layers: LayerEntry[][] = [], base = true) => {
    await writeImageArchive(join(dir, `${name}.tar`), { references: [name], layers, base });
    await store.load(join(dir, `${name}.tar`));
  };
  return { dir, root, store, load };
}

const chroot = (rootfs: string, script: string) =>
  execFileSync('chroot', [rootfs, '/bin/sh', '-c', script], {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });

async function isMounted(path: string): Promise<boolean> {
  return (await readMountInfo()).some((m) => m.mountPoint === path);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('ImageStore rootfs', () => {
  it('mounts a rootfs where busybox runs, with writes kept in the upper directory', async (t) => {
    const { dir, store, load } = await setup(t);
    await load('bb');
    const rootfs = await store.mountRootfs('bb', join(dir, 'c1'));
    assert.equal(rootfs.path, join(dir, 'c1', 'rootfs'));
    assert.ok(await isMounted(rootfs.path));
    assert.equal(await store.mountedRootfs(join(dir, 'c1')), rootfs.path);
    assert.equal(await store.mountedRootfs(join(dir, 'never')), undefined);

    assert.equal(chroot(rootfs.path, 'echo hi'), 'hi\n');
    assert.equal(
      chroot(rootfs.path, 'id -un; ls -ld /tmp | cut -c1-10; echo x > /tmp/written; cat /tmp/written'),
      'root\ndrwxrwxrwt\nx\n',
    );
    assert.equal(chroot(rootfs.path, 'su -s /bin/sh app -c "id -u; id -g"'), '1000\n1000\n');
    assert.equal(await readFile(join(rootfs.upperDir as string, 'tmp/written'), 'utf8'), 'x\n');
    const image = await store.resolve('bb');
    await assert.rejects(stat(join(store.layers.path(image?.diffIds[0] as Digest), 'tmp/written')));

    await store.unmountRootfs(join(dir, 'c1'));
    assert.equal(await isMounted(rootfs.path), false);
    assert.deepEqual(await readdir(join(dir, 'c1')), []);
    assert.deepEqual(await store.listRootfs(), []);
    assert.equal(await store.mountedRootfs(join(dir, 'c1')), undefined);
    await store.unmountRootfs(join(dir, 'c1')); // again: nothing to do, no error
  });

  it('hides files deleted by upper layers and lower contents of opaque directories', async (t) => {
    const { dir, store, load } = await setup(t);
    await load('layered', [
      [
        { path: 'etc/motd', content: 'welcome' },
        { type: 'dir', path: 'data' },
        { path: 'data/a', content: 'a' },
        { path: 'data/b', content: 'b' },
        { type: 'dir', path: 'keep' },
        { path: 'keep/old', content: 'old' },
      ],
      [
        whiteout('etc/motd'),
        whiteout('bin/wget'),
        opaque('data'),
        { path: 'data/c', content: 'c' },
        { path: 'keep/new', content: 'new' },
      ],
    ]);
    const { path } = await store.mountRootfs('layered', join(dir, 'c'));
    assert.equal(chroot(path, 'test -e /etc/motd && echo present || echo gone'), 'gone\n');
    assert.equal(chroot(path, 'ls /data'), 'c\n');
    assert.equal(chroot(path, 'ls /keep'), 'new\nold\n');
    assert.equal(
      chroot(path, 'test -e /bin/wget && echo present || echo gone; test -e /bin/nc && echo present'),
      'gone\npresent\n',
    );
    assert.equal(chroot(path, 'cat /etc/passwd | head -n 1'), 'root:x:0:0:root:/root:/bin/sh\n');
  });

  it('mounts read-only, also an image of one layer', async (t) => {
    const { dir, store, load } = await setup(t);
    await load('single');
    const ro = await store.mountRootfs('single', join(dir, 'ro'), { readonly: true });
    assert.equal(ro.readonly, true);
    assert.equal(ro.upperDir, undefined);
    assert.equal(chroot(ro.path, 'echo ok'), 'ok\n');
    assert.match(chroot(ro.path, 'touch /tmp/x 2>&1; echo "exit $?"'), /Read-only file system\nexit 1/);
    await store.unmountRootfs(join(dir, 'ro'));
    assert.equal(await isMounted(ro.path), false);
  });

  it('mounts an image with more layers than fit in one page of mount options', async (t) => {
    const { dir, store, load } = await setup(t);
    const count = 90; // 90 layers of ~100-byte paths: about 9 KiB of lowerdir
    await load(
      'tall',
      Array.from({ length: count }, (_, i) => [
        { path: `layers/${String(i).padStart(3, '0')}`, content: `${i}` },
      ]),
    );
    const started = performance.now();
    const { path } = await store.mountRootfs('tall', join(dir, 'tall'));
    t.diagnostic(`mount of ${count + 1} layers: ${(performance.now() - started).toFixed(1)} ms`);
    assert.equal(chroot(path, 'ls /layers | wc -l').trim(), String(count));
    assert.equal(chroot(path, 'cat /layers/000 /layers/089'), '089');
    const mount = (await readMountInfo()).find((m) => m.mountPoint === path);
    assert.match(mount?.superOptions ?? '', /lowerdir=0:1:2:/);
    await store.unmountRootfs(join(dir, 'tall'));
    assert.deepEqual(await readdir(join(dir, 'tall')), []);
  });

  it('keeps the layers of a mounted rootfs through garbage collection until unmount', async (t) => {
    const { dir, store, load } = await setup(t);
    await load('app', [[{ path: 'app', content: 'app' }]]);
    const image = await store.resolve('app');
    const { path } = await store.mountRootfs('app', join(dir, 'c'));
    const removed = await store.remove('app');
    assert.deepEqual(removed.collected.layers, []);
    assert.equal(await store.resolve('app'), undefined);
    assert.equal(chroot(path, 'cat /app'), 'app');

    await store.unmountRootfs(join(dir, 'c'));
    const collected = await store.collectGarbage();
    assert.deepEqual(collected.layers.sort(), [...(image?.diffIds ?? [])].sort());
    assert.deepEqual(await store.layers.list(), []);
  });

  it('lists rootfs left by a previous server and cleans them up', async (t) => {
    const { dir, root, store, load } = await setup(t);
    await load('bb');
    const mounted = await store.mountRootfs('bb', join(dir, 'left-mounted'));
    const crashed = await store.mountRootfs('bb', join(dir, 'left-unmounted'));
    execFileSync('umount', [crashed.path]); // as if the machine rebooted: the lease outlives the mount
    await writeFile(join(mounted.upperDir as string, 'dirty'), 'x');

    const restarted = new ImageStore({ root });
    const found = await restarted.listRootfs();
    const image = await restarted.resolve('bb');
    assert.deepEqual(
      found.map((f) => [f.path, f.mounted, f.lease?.manifestDigest]).sort(),
      [
        [mounted.path, true, image?.manifestDigest],
        [crashed.path, false, image?.manifestDigest],
      ].sort(),
    );
    for (const f of found) await restarted.unmountRootfs(f.containerDir);
    assert.deepEqual(await restarted.listRootfs(), []);
    assert.equal(await isMounted(mounted.path), false);
    assert.deepEqual(await readdir(join(dir, 'left-mounted')), []);
  });

  it('mounts and unmounts quickly', async (t) => {
    const { dir, store, load } = await setup(t);
    await load('bb', [[{ path: 'x', content: 'x' }], [{ path: 'y', content: 'y' }]]);
    const image = await store.resolve('bb');
    assert.ok(image);
    const mounts: number[] = [];
    const unmounts: number[] = [];
    for (let i = 0; i < 30; i++) {
      const containerDir = join(dir, 'containers', String(i));
      let started = performance.now();
      await store.mountRootfs(image, containerDir);
      mounts.push(performance.now() - started);
      started = performance.now();
      await store.unmountRootfs(containerDir);
      unmounts.push(performance.now() - started);
    }
    t.diagnostic(
      `3-layer rootfs, 30 rounds: mount p50 ${median(mounts).toFixed(1)} ms (max ${Math.max(...mounts).toFixed(1)}), ` +
        `unmount p50 ${median(unmounts).toFixed(1)} ms (max ${Math.max(...unmounts).toFixed(1)})`,
    );
    // Far above the measured few milliseconds; it fails only if something is badly wrong.
    assert.ok(median(mounts) < 100, `mount p50 ${median(mounts)} ms`);
  });
});
