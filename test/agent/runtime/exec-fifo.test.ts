import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startThroughExecFifo } from '../../../src/agent/runtime/exec-fifo.ts';

const run = promisify(execFile);

/** A runc root holding one container's exec.fifo, as runc create leaves it, with no init yet. */
async function withFifo(body: (root: string, fifo: string) => Promise<void>) {
  const root = await mkdtemp(join(tmpdir(), 'exec-fifo-'));
  try {
    await mkdir(join(root, 'c1'));
    const fifo = join(root, 'c1', 'exec.fifo');
    await run('mkfifo', [fifo]);
    await body(root, fifo);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** What init does: open the fifo for writing (once a reader has it open), write its byte, end. */
const init = (fifo: string) => run('sh', ['-c', `printf 0 > ${fifo}`]);

test('a started init writes its byte and closes its end: started, and the fifo is gone', async () => {
  await withFifo(async (root, fifo) => {
    const starting = startThroughExecFifo(root, 'c1', async () => true);
    await init(fifo);
    assert.equal(await starting, true);
    await assert.rejects(access(fifo), { code: 'ENOENT' }, 'runc now reports it running');
  });
});

test('an init that wrote, exec’d and ended between two looks was started, though it is gone', async () => {
  await withFifo(async (root, fifo) => {
    // Init comes only when asked whether it lives, and is gone by the answer: its byte is waiting.
    const started = await startThroughExecFifo(root, 'c1', async () => {
      await init(fifo);
      return false;
    });
    assert.equal(started, true);
  });
});

test('an init that is gone without its byte: not started, left for runc to answer; no fifo: the same', async () => {
  await withFifo(async (root, fifo) => {
    assert.equal(await startThroughExecFifo(root, 'c1', async () => false), false);
    await access(fifo);
  });
  assert.equal(await startThroughExecFifo(tmpdir(), 'no-such-container', async () => true), false);
});
