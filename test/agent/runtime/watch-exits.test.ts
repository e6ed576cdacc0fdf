import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ContainerExit } from '../../../src/agent/runtime/container-runtime.ts';
import { RuntimeFixture } from './runtime-fixture.ts';

describe('watchExits', () => {
  let fx: RuntimeFixture;
  before(async () => {
    fx = await RuntimeFixture.create('watch');
  });
  after(async () => {
    await fx.cleanup();
  });

  test('reports earlier exits at once, then each new exit as it happens', async () => {
    const earlier = await fx.run('earlier', { args: ['sh', '-c', 'exit 9'] });
    await fx.waitFor(earlier, 'stopped');
    const controller = new AbortController();
    const exits: { exit: ContainerExit; atMs: number }[] = [];
    const watching = fx.runtime.watchExits((exit) => exits.push({ exit, atMs: performance.now() }), {
      signal: controller.signal,
    });
    try {
      await until(() => exits.length === 1);
      assert.equal(exits[0]?.exit.id, earlier);
      assert.equal(exits[0]?.exit.exitCode, 9);

      const later = await fx.run('later', { args: ['sh', '-c', 'sleep 0.3; exit 11'] });
      const sent = performance.now();
      await until(() => exits.length === 2);
      const reported = exits[1]!;
      assert.equal(reported.exit.id, later);
      assert.equal(reported.exit.exitCode, 11);
      // The sleep, then conmon's write and one inotify event: no polling interval in between.
      assert.ok(reported.atMs - sent < 1_000, `reported after ${reported.atMs - sent} ms`);

      // Removing a container and reusing its id reports the new one's exit too.
      await fx.runtime.remove(later);
      await fx.run('later', { args: ['sh', '-c', 'exit 12'] });
      await until(() => exits.length === 3);
      assert.equal(exits[2]?.exit.exitCode, 12);
      assert.equal(exits.length, 3, 'each exit once');
    } finally {
      controller.abort();
      await watching;
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('Timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
