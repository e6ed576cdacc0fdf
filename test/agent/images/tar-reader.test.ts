import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Header } from 'tar';
import { ImageError } from '../../../src/agent/images/image-error.ts';
import { readTar, type TarEntry } from '../../../src/agent/images/tar-reader.ts';
import { layerTar } from '../../fixtures/images.ts';
import { tempDir } from './temp-dir.ts';

interface Read {
  entry: TarEntry;
  content: string;
}

/** Reads every entry, in chunks of `chunk` bytes to exercise reads across chunk borders. */
async function readAll(bytes: Buffer, chunk = 7): Promise<{ entries: Read[]; consumed: number }> {
  let consumed = 0;
  async function* source() {
    for (let i = 0; i < bytes.length; i += chunk) {
      const piece = bytes.subarray(i, i + chunk);
      consumed += piece.length;
      yield piece;
    }
  }
  const entries: Read[] = [];
  for await (const entry of readTar(source())) {
    const parts: Buffer[] = [];
    for await (const p of entry.body()) parts.push(p);
    entries.push({ entry, content: Buffer.concat(parts).toString('latin1') });
  }
  return { entries, consumed };
}

function header(data: ConstructorParameters<typeof Header>[0]): Buffer {
  const h = new Header(data);
  h.encode();
  return h.block as Buffer;
}

function pax(records: Array<[string, Buffer | string]>): Buffer {
  const body = Buffer.concat(
    records.map(([key, value]) => {
      const rest = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
      let length = rest.length + 1;
      while (String(length).length + rest.length !== length) length++;
      return Buffer.concat([Buffer.from(String(length)), rest]);
    }),
  );
  return Buffer.concat([
    header({ path: 'PaxHeader', type: 'ExtendedHeader', size: body.length, mode: 0o644 }),
    body,
    Buffer.alloc((512 - (body.length % 512)) % 512),
  ]);
}

describe('readTar', () => {
  it('reads GNU long names and links as GNU tar writes them, and every byte of the stream', async (t) => {
    const dir = await tempDir(t);
    const long = `${'d'.repeat(120)}/${'f'.repeat(130)}`;
    await mkdir(join(dir, 'src', 'd'.repeat(120)), { recursive: true });
    await writeFile(join(dir, 'src', long), 'content');
    execFileSync('ln', ['-s', `../${'x'.repeat(150)}`, join(dir, 'src', 'link')]);
    execFileSync('tar', ['--format=gnu', '-C', join(dir, 'src'), '-cf', join(dir, 'gnu.tar'), long, 'link']);
    const bytes = await readFile(join(dir, 'gnu.tar'));
    const { entries, consumed } = await readAll(bytes);
    assert.deepEqual(
      entries.map((e) => [e.entry.path, e.entry.type, e.content, e.entry.linkpath]),
      [
        [long, 'file', 'content', ''],
        ['link', 'symlink', '', `../${'x'.repeat(150)}`],
      ],
    );
    assert.equal(consumed, bytes.length); // GNU tar pads to 10 KiB: the padding is read too
  });

  it('keeps binary xattr values from pax headers byte for byte', async () => {
    const value = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0x0a, 0x3d, 0x20]);
    const bytes = Buffer.concat([
      pax([
        ['SCHILY.xattr.security.capability', value],
        ['LIBARCHIVE.xattr.user.with%20space', Buffer.from('aGk=')],
        ['path', 'pax/ñame'],
        ['uid', '4000000000'],
        ['mtime', '1796184328.9996123'],
      ]),
      header({ path: 'short', type: 'File', size: 2, mode: 0o4755, uid: 1, gid: 2 }),
      Buffer.from('ok'),
      Buffer.alloc(510 + 1024),
    ]);
    const [read] = (await readAll(bytes)).entries;
    assert.ok(read);
    assert.equal(read.entry.path, 'pax/ñame');
    assert.equal(read.entry.uid, 4_000_000_000);
    assert.equal(read.entry.mtimeMs, 1796184328999, 'truncated as tar truncates, never into the next second');
    assert.equal(read.entry.mode, 0o4755);
    assert.equal(read.content, 'ok');
    assert.deepEqual(read.entry.xattrs.get('security.capability'), value);
    assert.deepEqual(read.entry.xattrs.get('user.with space'), Buffer.from('hi'));
  });

  it('reads base-256 numbers and ignores a size on a hardlink', async () => {
    const bytes = Buffer.concat([
      header({ path: 'big-ids', type: 'File', size: 1, uid: 3_000_000, gid: 0o7777777 + 1, mode: 0o644 }),
      Buffer.from('x'),
      Buffer.alloc(511),
      // Some writers put the target's size on a hardlink and no data after it.
      header({ path: 'hard', type: 'Link', linkpath: 'big-ids', size: 1000, mode: 0o644 }),
      header({ path: 'after', type: 'File', size: 1, mode: 0o644 }),
      Buffer.from('y'),
      Buffer.alloc(511 + 1024),
    ]);
    const { entries } = await readAll(bytes, 4096);
    assert.deepEqual(
      entries.map((e) => [e.entry.path, e.entry.type, e.entry.uid, e.entry.gid, e.entry.size, e.content]),
      [
        ['big-ids', 'file', 3_000_000, 0o7777777 + 1, 1, 'x'],
        ['hard', 'hardlink', 0, 0, 0, ''],
        ['after', 'file', 0, 0, 1, 'y'],
      ],
    );
  });

  it('skips the body of an entry the consumer does not read', async () => {
    const bytes = layerTar([
      { path: 'a', content: 'a'.repeat(1500) },
      { path: 'b', content: 'b' },
    ]);
    const seen: string[] = [];
    for await (const entry of readTar(
      (async function* () {
        yield bytes;
      })(),
    ))
      seen.push(entry.path);
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('refuses a corrupt header, a truncated body and an unknown entry type', async () => {
    const good = layerTar([{ path: 'file', content: 'x'.repeat(2000) }]);
    const corrupt = Buffer.from(good);
    corrupt[10] = 0x41;
    const unknown = header({ path: 'sparse', type: 'File', size: 0, mode: 0o644 });
    unknown[156] = 'S'.charCodeAt(0);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (unknown[i] ?? 0);
    unknown.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    for (const [name, bytes] of [
      ['corrupt', corrupt],
      ['truncated', good.subarray(0, 1024)],
      ['unknown', Buffer.concat([unknown, Buffer.alloc(1024)])],
    ] as const) {
      await assert.rejects(
        readAll(bytes),
        (e: unknown) => e instanceof ImageError && e.code === 'InvalidArchive',
        name,
      );
    }
  });
});
