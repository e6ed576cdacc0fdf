import assert from 'node:assert/strict';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ContainerLogLine, LogPosition } from '../../src/agent/host-agent.ts';
import { readContainerLog } from '../../src/agent/logs/read-container-log.ts';
import { holeLength, trimContainerLog } from '../../src/agent/logs/trim-container-log.ts';
import { DirectRunner } from '../../src/agent/process/direct-runner.ts';
import { resolveConfig } from '../../src/config.ts';

describe('holeLength', () => {
  test('whole blocks before the byte ahead of the position', () => {
    assert.equal(holeLength(0, 4096), 0);
    assert.equal(holeLength(1, 4096), 0);
    assert.equal(holeLength(4096, 4096), 0, 'byte 4095 tells the reader that 4096 starts a record');
    assert.equal(holeLength(4097, 4096), 4096);
    assert.equal(holeLength(8192, 4096), 4096);
    assert.equal(holeLength(8193, 4096), 8192);
    assert.equal(holeLength(10 * 1024 * 1024 + 17, 4096), 10 * 1024 * 1024);
    assert.equal(holeLength(3000, 512), 2560);
  });

  test('refuses what is not a position or a block size', () => {
    assert.throws(() => holeLength(-1.5, 4096), RangeError);
    assert.throws(() => holeLength(100, 0), RangeError);
    assert.throws(() => holeLength(Number.NaN, 4096), RangeError);
  });
});

describe('the bound of logs nothing ships', () => {
  test('10 MiB unless NEARGATE_UNSHIPPED_LOG_MAX_MIB or the option says otherwise; at least 1 MiB', () => {
    assert.equal(resolveConfig({}, {}).unshippedLogMaxBytes, 10 * 1024 * 1024);
    assert.equal(
      resolveConfig({}, { NEARGATE_UNSHIPPED_LOG_MAX_MIB: '3' }).unshippedLogMaxBytes,
      3 * 1024 * 1024,
    );
    assert.equal(
      resolveConfig({ unshippedLogMaxMiB: 1 }, { NEARGATE_UNSHIPPED_LOG_MAX_MIB: '3' }).unshippedLogMaxBytes,
      1024 * 1024,
    );
    for (const bad of ['0', '1.5', 'lots']) {
      assert.throws(
        () => resolveConfig({}, { NEARGATE_UNSHIPPED_LOG_MAX_MIB: bad }),
        /invalid option unshippedLogMaxMiB/,
        bad,
      );
    }
  });
});

/** A k8s-file record of exactly 512 bytes: record k starts at 512 k. */
const RECORD = 512;
const record = (k: number) => {
  const head = `2026-12-02T02:04:44.530182909+00:00 stdout F line ${k} `;
  return `${head}${'x'.repeat(RECORD - head.length - 1)}\n`;
};

describe('trimContainerLog on a real file', () => {
  let dir: string;
  const runner = new DirectRunner();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ngtest-trim-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, records: number) => {
    const path = join(dir, name);
    await writeFile(path, Array.from({ length: records }, (_, k) => record(k)).join(''));
    const st = await stat(path);
    return { path, fileId: `${st.dev}:${st.ino}` };
  };
  const allocated = async (path: string) => (await stat(path)).blocks * 512;
  const texts = async (path: string, from: LogPosition) =>
    (await readContainerLog(path, from, { maxBytes: 1 << 20 })).lines.map((l) => l.text);

  test('frees the shipped blocks; size, offsets and later reads stay, and appends go on at the end', async () => {
    const { path, fileId } = await write('app.log', 2048); // 1 MiB
    const before = await stat(path);
    assert.ok(before.blocks * 512 >= 1 << 20);
    // Record 1000 starts at 512000, inside block 124: blocks 0-124 go.
    const upTo = { fileId, offset: 1000 * RECORD };
    const expected = await texts(path, upTo);
    assert.ok(expected[0]?.startsWith('line 1000 '));
    const punched = await trimContainerLog(path, upTo, { runner });
    assert.equal(punched, holeLength(upTo.offset, before.blksize));
    assert.ok(punched > 0);
    const after = await stat(path);
    assert.equal(after.size, before.size, 'the size stays');
    assert.equal(`${after.dev}:${after.ino}`, fileId, 'the same file');
    assert.ok(
      after.blocks * 512 <= before.blocks * 512 - punched,
      `allocated ${after.blocks * 512} of ${before.blocks * 512}, ${punched} punched`,
    );
    assert.deepEqual(await texts(path, upTo), expected, 'reads from the position are unchanged');
    const head = Buffer.alloc(punched);
    const fh = await open(path, 'a+');
    try {
      await fh.read(head, 0, punched, 0);
      assert.ok(
        head.every((b) => b === 0),
        'the hole reads as zeros',
      );
      // conmon opens the log O_APPEND: a write lands at the end, after the old size.
      await fh.write(record(2048));
    } finally {
      await fh.close();
    }
    const appended = await readContainerLog(path, { fileId, offset: before.size }, { maxBytes: 1 << 20 });
    assert.deepEqual(
      appended.lines.map((l) => [l.offset, l.text.split(' ').slice(0, 2).join(' ')]),
      [[before.size, 'line 2048']],
    );
  });

  test('a position on a block boundary keeps the byte before it: the record there is still read', async () => {
    const { path, fileId } = await write('aligned.log', 64);
    const { blksize } = await stat(path);
    const upTo = { fileId, offset: 4 * blksize };
    const expected = await texts(path, upTo);
    assert.ok(expected[0]?.startsWith(`line ${upTo.offset / RECORD} `));
    assert.equal(await trimContainerLog(path, upTo, { runner }), 3 * blksize);
    assert.deepEqual(await texts(path, upTo), expected);
  });

  test('a read from inside the hole (a lost position) passes over it to the first whole record', async () => {
    const { path, fileId } = await write('lost.log', 4096); // 2 MiB, more than one read
    const { blksize } = await stat(path);
    const punched = await trimContainerLog(path, { fileId, offset: 3000 * RECORD + 7 }, { runner });
    assert.ok(punched > 1 << 20);
    const firstWhole = Math.ceil(punched / RECORD);
    for (const from of [
      { fileId: '', offset: 0 },
      { fileId, offset: 100 },
      { fileId, offset: blksize },
    ]) {
      // Read on as the shipper does: each read makes progress, none stalls in the hole.
      let at: LogPosition = from;
      let skipped = 0;
      let lines: ContainerLogLine[] = [];
      for (let reads = 0; lines.length === 0; reads++) {
        assert.ok(reads < 4, `stuck at ${JSON.stringify(at)}`);
        const chunk = await readContainerLog(path, at, { maxBytes: 1 << 20 });
        assert.ok(chunk.next.offset > at.offset, 'progress');
        skipped += chunk.skippedBytes;
        lines = chunk.lines;
        at = chunk.next;
      }
      assert.ok(lines[0]?.text.startsWith(`line ${firstWhole} `), JSON.stringify(from));
      assert.equal(lines[0]?.offset, firstWhole * RECORD);
      assert.equal(skipped, firstWhole * RECORD - from.offset, 'what was passed over is counted');
    }
  });

  test('leaves alone another file, a position past the end, and a log that is gone', async () => {
    const { path, fileId } = await write('other.log', 256);
    const full = await allocated(path);
    const cases: LogPosition[] = [
      { fileId: '1:1', offset: 100 * RECORD },
      { fileId: '', offset: 100 * RECORD },
      { fileId, offset: 257 * RECORD },
    ];
    for (const upTo of cases) {
      assert.equal(await trimContainerLog(path, upTo, { runner }), 0, JSON.stringify(upTo));
    }
    assert.equal(await allocated(path), full);
    assert.equal(await trimContainerLog(join(dir, 'missing.log'), { fileId, offset: 4096 }, { runner }), 0);
  });

  test('a fallocate that fails rejects with its message', async () => {
    const { path, fileId } = await write('fails.log', 64);
    await assert.rejects(
      trimContainerLog(path, { fileId, offset: 32 * RECORD }, { runner, fallocatePath: '/bin/false' }),
      (err: Error) => err.name === 'LogTrimError' && /exited with 1/.test(err.message),
    );
  });
});
