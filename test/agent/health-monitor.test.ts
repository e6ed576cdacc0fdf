import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { HealthMonitor } from '../../src/agent/health-monitor.ts';

const spec = (over: Partial<{ retries: number; startPeriodMs: number }> = {}) => ({
  command: ['CMD-SHELL', 'check me'],
  intervalMs: 1,
  timeoutMs: 1000,
  retries: 2,
  startPeriodMs: 0,
  ...over,
});

/** Waits until `cond` holds, checking after each macrotask. */
async function until(cond: () => boolean) {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'never happened');
}

test('failures within the start period do not count; retries failures in a row make it UNHEALTHY', async () => {
  let now = 0;
  let calls = 0;
  let exitCode = 1;
  const seen: string[] = [];
  const m = new HealthMonitor(
    async (_id, args) => {
      calls++;
      assert.deepEqual(args, ['/bin/sh', '-c', 'check me'], 'CMD-SHELL runs through sh -c');
      return exitCode;
    },
    (_id, status) => seen.push(status),
    pino({ level: 'silent' }),
    () => now,
  );
  try {
    m.watch('c1', spec({ startPeriodMs: 100 }));
    await until(() => calls >= 5);
    assert.equal(m.status('c1'), 'UNKNOWN', 'failing, but within the start period');
    now = 200;
    await until(() => seen.length > 0);
    assert.deepEqual(seen, ['UNHEALTHY']);
    exitCode = 0;
    await until(() => seen.length > 1);
    assert.deepEqual(seen, ['UNHEALTHY', 'HEALTHY'], 'one success is enough');
  } finally {
    m.close();
  }
});

test('CMD runs its arguments as they are; a check that throws counts as a failure', async () => {
  const seen: string[] = [];
  const m = new HealthMonitor(
    async (_id, args) => {
      assert.deepEqual(args, ['test', '-f', '/ready']);
      throw new Error('exec failed');
    },
    (_id, status) => seen.push(status),
    pino({ level: 'silent' }),
  );
  try {
    m.watch('c2', { ...spec({ retries: 1 }), command: ['CMD', 'test', '-f', '/ready'] });
    await until(() => seen.length > 0);
    assert.deepEqual(seen, ['UNHEALTHY']);
    m.unwatch('c2');
    assert.equal(m.status('c2'), 'UNKNOWN', 'an unwatched container is UNKNOWN');
  } finally {
    m.close();
  }
});
