import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostWork } from '../../src/agent/host-work.ts';

/** A promise settled when the test lets it go. */
function gate() {
  let release = () => {};
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { done, release };
}

const tick = () => new Promise((r) => setImmediate(r));

test('cleanups run a few at a time, in the order asked, while no task starts', async () => {
  const work = new HostWork({ idleCleanups: 2, busyCleanups: 1 });
  const began: number[] = [];
  const gates = [0, 1, 2, 3].map(() => gate());
  const runs = gates.map((g, i) =>
    work.cleanup(async () => {
      began.push(i);
      await g.done;
      return i;
    }),
  );
  await tick();
  assert.deepEqual(began, [0, 1], 'two at once');
  gates[1]!.release();
  await tick();
  assert.deepEqual(began, [0, 1, 2], 'the next one takes the free slot');
  for (const g of gates) g.release();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
  assert.deepEqual(began, [0, 1, 2, 3]);
});

test('while a task starts, cleanups not begun wait for the busy limit; starts never wait', async () => {
  const work = new HostWork({ idleCleanups: 3, busyCleanups: 1, maxHoldMs: 600_000 });
  const starting = gate();
  let started = false;
  const start = work.start(async () => {
    started = true;
    await starting.done;
  });
  assert.equal(started, true, 'a start runs at once');
  const began: number[] = [];
  const gates = [0, 1, 2].map(() => gate());
  const runs = gates.map((g, i) =>
    work.cleanup(async () => {
      began.push(i);
      await g.done;
    }),
  );
  await tick();
  assert.deepEqual(began, [0], 'one cleanup at a time beside a start: cleanup never starves');
  gates[0]!.release();
  await tick();
  assert.deepEqual(began, [0, 1]);
  starting.release();
  await start;
  await tick();
  assert.deepEqual(began, [0, 1, 2], 'with the start done, the idle limit holds again');
  for (const g of gates) g.release();
  await Promise.all(runs);
});

test('a cleanup held back past maxHoldMs goes as if no task were starting', async () => {
  const work = new HostWork({ idleCleanups: 3, busyCleanups: 1, maxHoldMs: 1 });
  const starting = gate();
  const start = work.start(() => starting.done);
  const began: number[] = [];
  const gates = [0, 1, 2, 3].map(() => gate());
  const runs = gates.map((g, i) =>
    work.cleanup(async () => {
      began.push(i);
      await g.done;
    }),
  );
  while (began.length < 3) await new Promise((r) => setTimeout(r, 5));
  await tick();
  assert.deepEqual(began, [0, 1, 2], 'up to the idle limit, though the start goes on');
  for (const g of gates) g.release();
  await Promise.all(runs);
  assert.deepEqual(began, [0, 1, 2, 3]);
  starting.release();
  await start;
});

test('a start that fails still lets cleanups go; a cleanup that fails frees its slot', async () => {
  const work = new HostWork({ idleCleanups: 1, busyCleanups: 1 });
  await assert.rejects(
    work.start(async () => {
      throw new Error('start failed');
    }),
    /start failed/,
  );
  await assert.rejects(
    work.cleanup(async () => {
      throw new Error('cleanup failed');
    }),
    /cleanup failed/,
  );
  assert.equal(await work.cleanup(async () => 'next'), 'next');
});

test('an abort while a cleanup waits rejects it and leaves its turn to the next', async () => {
  const work = new HostWork({ idleCleanups: 1, busyCleanups: 1 });
  const first = gate();
  const running = work.cleanup(() => first.done);
  const controller = new AbortController();
  let ranAborted = false;
  const aborted = work.cleanup(
    async () => {
      ranAborted = true;
    },
    { signal: controller.signal },
  );
  const next = work.cleanup(async () => 'next');
  controller.abort(new Error('shutting down'));
  await assert.rejects(aborted, /shutting down/);
  first.release();
  await running;
  assert.equal(await next, 'next');
  assert.equal(ranAborted, false);
  await assert.rejects(
    work.cleanup(async () => {}, { signal: controller.signal }),
    /shutting down/,
  );
});

test('limits are checked', () => {
  assert.throws(() => new HostWork({ idleCleanups: 1, busyCleanups: 2 }), RangeError);
});
