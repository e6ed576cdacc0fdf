import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Digest } from '../../../src/agent/images/digest.ts';
import { ImageError } from '../../../src/agent/images/image-error.ts';
import { ImageStore } from '../../../src/agent/images/image-store.ts';
import { layerTar, sha256, writeImageArchive } from '../../fixtures/images.ts';
import { tempDir } from './temp-dir.ts';

const isImageError = (code: string) => (e: unknown) => e instanceof ImageError && e.code === code;

async function setup(t: import('node:test').TestContext) {
  const dir = await tempDir(t);
  const root = join(dir, 'store');
  return { dir, root, store: new ImageStore({ root, clock: { now: () => 1_700_000_000_000 } }) };
}

const fullConfig = {
  Entrypoint: ['/bin/sh', '-c'],
  Cmd: ['httpd -f -p 8080'],
  Env: ['PATH=/bin', 'GREETING=hello world'],
  WorkingDir: '/home/app',
  User: 'app',
  ExposedPorts: ['8080/tcp', '53/udp'],
  Labels: { 'org.example.team': 'images' },
  StopSignal: 'SIGQUIT',
};

describe('ImageStore.load', () => {
  it('loads a docker save archive (before Docker 25) with its tags and config', async (t) => {
    const { dir, store } = await setup(t);
    const file = join(dir, 'image.tar');
    const [built] = await writeImageArchive(file, {
      references: ['busybox', 'localhost:5000/tools/bb:1'],
      config: fullConfig,
    });
    const started = performance.now();
    const refs = await store.load(file);
    t.diagnostic(`load of a 1-layer busybox docker-archive: ${(performance.now() - started).toFixed(1)} ms`);
    assert.deepEqual(refs, ['docker.io/library/busybox:latest', 'localhost:5000/tools/bb:1']);

    const image = await store.resolve('busybox');
    assert.ok(image && built);
    assert.equal(image.configDigest, built.configDigest);
    assert.deepEqual(image.diffIds, built.diffIds);
    assert.deepEqual(image.references.sort(), [
      'docker.io/library/busybox:latest',
      'localhost:5000/tools/bb:1',
    ]);
    assert.deepEqual(image.config, fullConfig);
    assert.equal(image.os, 'linux');
    assert.equal(image.loadedAtMs, 1_700_000_000_000);

    // The synthesised manifest is a real Docker v2 schema 2 manifest, stored under its digest.
    const manifestBytes = await readFile(store.blobs.path(image.manifestDigest));
    assert.equal(sha256(manifestBytes), image.manifestDigest);
    const manifest = JSON.parse(manifestBytes.toString());
    assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(manifest.config.digest, built.configDigest);
    assert.equal(manifest.layers[0].mediaType, 'application/vnd.docker.image.rootfs.diff.tar');
    assert.equal(manifest.layers[0].digest, built.diffIds[0]); // uncompressed: blob digest is the diffID

    // Deterministic: loading it again into another store gives the same manifest digest.
    const other = new ImageStore({ root: join(dir, 'other') });
    await other.load(file);
    assert.equal((await other.resolve('busybox'))?.manifestDigest, image.manifestDigest);
  });

  it('loads a gzip docker save archive in the Docker 25 layout', async (t) => {
    const { dir, store } = await setup(t);
    const file = join(dir, 'image.tar.gz');
    const [built] = await writeImageArchive(
      file,
      { references: ['app:2'] },
      { format: 'docker', gzip: true },
    );
    assert.deepEqual(await store.load(file), ['docker.io/library/app:2']);
    const image = await store.resolve('app:2');
    assert.equal(image?.manifestDigest, built?.manifestDigest);
    assert.equal(image?.manifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(image?.config.Cmd, ['sh']);
  });

  it('loads an OCI layout with a multi-platform index and gzip layers', async (t) => {
    const { dir, store } = await setup(t);
    const file = join(dir, 'oci.tar');
    const [built] = await writeImageArchive(
      file,
      { references: ['localhost/multi:1'], layers: [[{ path: 'etc/motd', content: 'hi' }]] },
      { format: 'oci', nestedIndex: true, gzipLayers: true },
    );
    assert.ok(built?.indexDigest && built.manifestDigest);
    assert.deepEqual(await store.load(file), ['localhost/multi:1']);
    const image = await store.resolve('localhost/multi:1');
    assert.equal(image?.manifestDigest, built.manifestDigest);
    assert.equal(image?.indexDigest, built.indexDigest);
    assert.deepEqual(
      image?.layers.map((l) => l.mediaType),
      ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip'],
    );
    assert.deepEqual(await store.layers.list().then((l) => l.sort()), [...built.diffIds].sort());
    assert.equal((await store.blobs.list()).length, 5); // index, manifest, config, two layers
    // By digest: of the index the name pointed to, or of the platform's manifest, under any name.
    assert.equal(
      (await store.resolve(`localhost/multi@${built.indexDigest}`))?.manifestDigest,
      built.manifestDigest,
    );
    assert.equal(
      (await store.resolve(`other/name@${built.manifestDigest}`))?.manifestDigest,
      built.manifestDigest,
    );
  });

  it('loads what skopeo writes, both docker-archive and oci-archive', async (t) => {
    const { dir, store } = await setup(t);
    const source = join(dir, 'source.tar');
    const [built] = await writeImageArchive(
      source,
      { config: { Cmd: ['echo', 'from skopeo'] } },
      { format: 'oci' },
    );
    execFileSync('skopeo', [
      'copy',
      '-q',
      `oci-archive:${source}`,
      `docker-archive:${join(dir, 'd.tar')}:localhost/sk:d`,
    ]);
    execFileSync('skopeo', [
      'copy',
      '-q',
      `oci-archive:${source}`,
      `oci-archive:${join(dir, 'o.tar')}:localhost/sk:o`,
    ]);
    assert.deepEqual(await store.load(join(dir, 'd.tar')), ['localhost/sk:d']);
    assert.deepEqual(await store.load(join(dir, 'o.tar')), ['localhost/sk:o']);
    for (const ref of ['localhost/sk:d', 'localhost/sk:o']) {
      const image = await store.resolve(ref);
      assert.equal(image?.configDigest, built?.configDigest, ref);
      assert.deepEqual(image?.config.Cmd, ['echo', 'from skopeo'], ref);
    }
  });

  it('reports an untagged image by its id, and resolves ids and short ids', async (t) => {
    const { dir, store } = await setup(t);
    const file = join(dir, 'untagged.tar');
    const [built] = await writeImageArchive(file, { config: { Cmd: ['true'] } }, { format: 'oci' });
    assert.ok(built);
    assert.deepEqual(await store.load(file), [built.configDigest]);
    const hex = built.configDigest.slice('sha256:'.length);
    for (const ref of [built.configDigest, hex, hex.slice(0, 12), `sha256:${hex.slice(0, 16)}`]) {
      assert.equal((await store.resolve(ref))?.configDigest, built.configDigest, ref);
    }
    assert.equal(await store.resolve(hex.slice(0, 11)), undefined);
    assert.equal(await store.resolve('busybox'), undefined);
    assert.deepEqual(
      (await store.list()).map((i) => i.references),
      [[]],
    );
  });

  it('unpacks a layer shared by two images once', async (t) => {
    const { dir, store } = await setup(t);
    await writeImageArchive(join(dir, 'a.tar'), {
      references: ['a'],
      layers: [[{ path: 'a', content: 'a' }]],
    });
    await writeImageArchive(
      join(dir, 'b.tar'),
      { references: ['b'], layers: [[{ path: 'b', content: 'b' }]] },
      { format: 'oci' },
    );
    await store.load(join(dir, 'a.tar'));
    const a = await store.resolve('a');
    const base = a?.diffIds[0] as Digest;
    const before = await stat(store.layers.path(base));
    await store.load(join(dir, 'b.tar'));
    const b = await store.resolve('b');
    assert.equal(b?.diffIds[0], base);
    const after = await stat(store.layers.path(base));
    assert.equal(after.ino, before.ino);
    assert.equal(after.ctimeMs, before.ctimeMs);
    assert.equal((await store.layers.list()).length, 3);

    // Concurrent loads into a fresh store also end with one copy of each layer.
    const fresh = new ImageStore({ root: join(dir, 'fresh') });
    await Promise.all([fresh.load(join(dir, 'a.tar')), fresh.load(join(dir, 'b.tar'))]);
    assert.equal((await fresh.layers.list()).length, 3);
    assert.ok(await fresh.resolve('a'));
    assert.ok(await fresh.resolve('b'));
  });

  it('refuses an image whose layer does not match its diffID, and keeps nothing of it', async (t) => {
    const { dir, store } = await setup(t);
    const file = join(dir, 'corrupt.tar');
    const honest = layerTar([{ path: 'honest', content: 'x' }]);
    const lie = sha256(layerTar([{ path: 'other', content: 'y' }]));
    await writeImageArchive(file, { references: ['corrupt'], layers: [{ tar: honest, diffId: lie }] });
    await assert.rejects(store.load(file), isImageError('DigestMismatch'));
    assert.equal(await store.resolve('corrupt'), undefined);
    assert.equal(await store.layers.has(lie as Digest), false);
    assert.deepEqual(await store.list(), []);
    // Nothing of it survives a collection: the base layer it unpacked is not used by any image.
    await store.collectGarbage();
    assert.deepEqual(await store.layers.list(), []);
    assert.deepEqual(await store.blobs.list(), []);
  });

  it('refuses an archive whose blob does not match its name', async (t) => {
    const { dir, store } = await setup(t);
    const good = join(dir, 'good.tar');
    await writeImageArchive(good, { references: ['x'] }, { format: 'oci' });
    // Flip one byte of busybox inside the archive: the layer blob no longer has its digest.
    const bytes = await readFile(good);
    const at = bytes.indexOf(Buffer.from('BusyBox is copyrighted'));
    assert.ok(at > 0);
    bytes[at] = 0x62;
    await writeFile(join(dir, 'bad.tar'), bytes);
    await assert.rejects(store.load(join(dir, 'bad.tar')), isImageError('DigestMismatch'));
    assert.equal(await store.resolve('x'), undefined);
  });

  it('refuses an image with a path traversal entry', async (t) => {
    const { dir, store } = await setup(t);
    const file = join(dir, 'evil.tar');
    await writeImageArchive(file, {
      references: ['evil'],
      layers: [[{ path: '../../../tmp/evil', content: 'x' }]],
    });
    await assert.rejects(store.load(file), isImageError('UnsafePath'));
    assert.equal(await store.resolve('evil'), undefined);
  });

  it('refuses archives that are not image archives', async (t) => {
    const { dir, store } = await setup(t);
    await writeFile(join(dir, 'plain.tar'), layerTar([{ path: 'hello.txt', content: 'hi' }]));
    await assert.rejects(store.load(join(dir, 'plain.tar')), isImageError('InvalidArchive'));
    await writeFile(
      join(dir, 'text.tar'),
      'not a tar at all, just some text that is long enough to fill a block'.repeat(10),
    );
    await assert.rejects(store.load(join(dir, 'text.tar')), isImageError('InvalidArchive'));
  });

  it('stops a load that is aborted while it unpacks, and keeps nothing of it', async (t) => {
    const { dir, root, store } = await setup(t);
    const file = join(dir, 'big.tar');
    const files = Array.from({ length: 300 }, (_, i) => ({ path: `data/${i}`, content: `${i}` }));
    await writeImageArchive(file, { references: ['big'], layers: [files] });
    // Abort the moment the first unpack starts: that is when its .partial directory appears.
    await mkdir(join(root, 'layers'), { recursive: true });
    const controller = new AbortController();
    const watcher = watch(join(root, 'layers'), (_, name) => {
      if (String(name).endsWith('.partial')) controller.abort();
    });
    t.after(() => watcher.close());
    await assert.rejects(store.load(file, { signal: controller.signal }), { name: 'AbortError' });
    assert.ok(controller.signal.aborted);
    assert.equal(await store.resolve('big'), undefined);
    assert.deepEqual(await readdir(join(root, 'layers')), []);
    await store.collectGarbage();
    assert.deepEqual(await store.blobs.list(), []);
    assert.deepEqual(await store.load(file), ['docker.io/library/big:latest']);
  });

  it('keeps its images across a restart', async (t) => {
    const { dir, root, store } = await setup(t);
    await writeImageArchive(join(dir, 'i.tar'), { references: ['keep:me'] });
    await store.load(join(dir, 'i.tar'));
    const again = new ImageStore({ root });
    assert.deepEqual((await again.resolve('keep:me'))?.references, ['docker.io/library/keep:me']);
  });
});

describe('ImageStore.remove', () => {
  it('untags, deletes the image with its last tag, and collects what no image uses', async (t) => {
    const { dir, store } = await setup(t);
    await writeImageArchive(join(dir, 'a.tar'), {
      references: ['a:1', 'a:2'],
      layers: [[{ path: 'a', content: 'a' }]],
    });
    await writeImageArchive(join(dir, 'b.tar'), {
      references: ['b'],
      layers: [[{ path: 'b', content: 'b' }]],
    });
    await store.load(join(dir, 'a.tar'));
    await store.load(join(dir, 'b.tar'));
    const a = await store.resolve('a:1');
    const b = await store.resolve('b');
    assert.ok(a && b);
    const blobsBefore = (await store.blobs.list()).length;

    const first = await store.remove('a:1');
    assert.deepEqual(first, {
      untagged: ['docker.io/library/a:1'],
      deleted: [],
      collected: { layers: [], blobs: [] },
    });
    assert.equal((await store.resolve('a:2'))?.manifestDigest, a.manifestDigest);

    const second = await store.remove('a:2');
    assert.deepEqual(second.deleted, [a.manifestDigest]);
    assert.deepEqual(second.collected.layers, [a.diffIds[1]]); // the base layer is b's too
    assert.deepEqual(
      second.collected.blobs.sort(),
      [a.manifestDigest, a.configDigest, a.layers[1]?.digest].sort(),
    );
    assert.equal((await store.blobs.list()).length, blobsBefore - 3);
    await assert.rejects(stat(store.layers.path(a.diffIds[1] as Digest)));
    assert.ok((await stat(store.layers.path(a.diffIds[0] as Digest))).isDirectory());

    await store.remove(b.configDigest.slice(7, 19)); // by short id: all its tags go
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await store.layers.list(), []);
    assert.deepEqual(await store.blobs.list(), []);
    assert.deepEqual(await readdir(join(store.root, 'layers')), []);
    await assert.rejects(store.remove('b'), isImageError('ImageNotFound'));
  });

  it('deletes an image whose last tag moves to a newer one', async (t) => {
    const { dir, store } = await setup(t);
    await writeImageArchive(join(dir, 'v1.tar'), {
      references: ['app'],
      layers: [[{ path: 'v', content: '1' }]],
    });
    await writeImageArchive(join(dir, 'v2.tar'), {
      references: ['app'],
      layers: [[{ path: 'v', content: '2' }]],
    });
    await store.load(join(dir, 'v1.tar'));
    const v1 = await store.resolve('app');
    await store.load(join(dir, 'v2.tar'));
    const v2 = await store.resolve('app');
    assert.notEqual(v2?.manifestDigest, v1?.manifestDigest);
    assert.deepEqual(
      (await store.list()).map((i) => i.manifestDigest),
      [v2?.manifestDigest],
    );
    assert.equal(await store.layers.has(v1?.diffIds[1] as Digest), false);
  });
});
