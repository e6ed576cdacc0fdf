import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BlobStore } from '../../../src/agent/images/blob-store.ts';
import type { Digest } from '../../../src/agent/images/digest.ts';
import { ImageError } from '../../../src/agent/images/image-error.ts';
import { sha256 } from '../../fixtures/images.ts';
import { tempDir } from './temp-dir.ts';

async function* chunks(...parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}

const isMismatch = (e: unknown) => e instanceof ImageError && e.code === 'DigestMismatch';

describe('BlobStore', () => {
  it('stores a stream under its sha256 and reads it back', async (t) => {
    const root = await tempDir(t);
    const blobs = new BlobStore({ root });
    const digest = sha256('{"a":1}') as Digest;
    assert.deepEqual(await blobs.ingest(chunks('{"a"', ':1}')), { digest, size: 7 });
    assert.equal(blobs.path(digest), join(root, 'blobs', 'sha256', digest.slice(7)));
    assert.equal(await blobs.has(digest), true);
    assert.equal(await blobs.size(digest), 7);
    assert.deepEqual(await blobs.readJson(digest), { a: 1 });
    const read: Buffer[] = [];
    for await (const c of blobs.read(digest)) read.push(c as Buffer);
    assert.equal(Buffer.concat(read).toString(), '{"a":1}');
    assert.deepEqual(await blobs.list(), [digest]);
    assert.equal(await blobs.delete(digest), true);
    assert.equal(await blobs.delete(digest), false);
    assert.equal(await blobs.has(digest), false);
  });

  it('refuses content that does not have the expected digest and keeps none of it', async (t) => {
    const root = await tempDir(t);
    const blobs = new BlobStore({ root });
    const expected = sha256('expected') as Digest;
    await assert.rejects(blobs.ingest(chunks('something', ' else'), { expected }), isMismatch);
    assert.equal(await blobs.has(expected), false);
    assert.deepEqual(await blobs.list(), []);
    assert.deepEqual(await readdir(join(root, 'blobs', 'tmp')), []);
  });

  it('checks content against a blob it already has without replacing it', async (t) => {
    const root = await tempDir(t);
    const blobs = new BlobStore({ root });
    const { digest } = await blobs.ingestBytes(Buffer.from('original'));
    await assert.rejects(blobs.ingest(chunks('forged'), { expected: digest }), isMismatch);
    assert.equal(await readFile(blobs.path(digest), 'utf8'), 'original');
    assert.deepEqual(await blobs.ingest(chunks('orig', 'inal'), { expected: digest }), { digest, size: 8 });
  });

  it('stops an ingest when aborted', async (t) => {
    const root = await tempDir(t);
    const blobs = new BlobStore({ root });
    const controller = new AbortController();
    async function* slow() {
      yield Buffer.from('first');
      controller.abort();
      yield Buffer.from('second');
    }
    await assert.rejects(blobs.ingest(slow(), { signal: controller.signal }), { name: 'AbortError' });
    assert.deepEqual(await blobs.list(), []);
    assert.deepEqual(await readdir(join(root, 'blobs', 'tmp')), []);
  });
});
