import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throttleWaitMs } from '../../src/core/ecs/service-throttle.ts';

const ECS = { baseMs: 30_000, maxMs: 27 * 60_000 };

test('the throttle starts after two failures in a row, then doubles its wait with each failure', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((n) => throttleWaitMs(n, ECS)),
    [undefined, undefined, 30_000, 60_000, 120_000, 240_000, 480_000],
  );
});

test('the wait stops growing at 27 minutes, as ECS documents, however many failures follow', () => {
  assert.equal(throttleWaitMs(7, ECS), 960_000);
  assert.equal(throttleWaitMs(8, ECS), 27 * 60_000, '30 s × 2^6 would be 32 minutes');
  assert.equal(throttleWaitMs(10_000, ECS), 27 * 60_000, 'no overflow past the cap');
});

test('the base and the cap are the policy: a test server waits milliseconds', () => {
  assert.deepEqual(
    [2, 3, 4, 5].map((n) => throttleWaitMs(n, { baseMs: 300, maxMs: 1000 })),
    [300, 600, 1000, 1000],
  );
  assert.equal(throttleWaitMs(2, { baseMs: 0, maxMs: 1000 }), 0);
});
