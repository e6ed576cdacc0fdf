import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { RuntimeFixture } from './runtime-fixture.ts';

describe('namespaces', () => {
  let fx: RuntimeFixture;
  let netns: string;
  before(async () => {
    fx = await RuntimeFixture.create('ns');
    netns = `ngtest-rt-${fx.dir.slice(-6)}`;
    execFileSync('ip', ['netns', 'add', netns]);
  });
  after(async () => {
    await fx.cleanup();
    execFileSync('ip', ['netns', 'del', netns]);
  });

  test('joins the network namespace given by path', async () => {
    const path = `/var/run/netns/${netns}`;
    const id = await fx.run('netns', {
      args: ['sh', '-c', 'readlink /proc/self/ns/net'],
      networkNamespacePath: path,
    });
    await fx.waitFor(id, 'stopped');
    assert.deepEqual(await fx.logLines(id), [`stdout net:[${statSync(path).ino}]`]);
  });

  test('shares the pid namespace of another container (pidMode task)', async () => {
    const first = await fx.run('pid-first', { args: ['sleep', '30'] });
    const { pid } = await fx.runtime.inspect(first);
    const second = await fx.run('pid-second', {
      args: ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo'],
      pidNamespacePath: `/proc/${pid}/ns/pid`,
    });
    await fx.waitFor(second, 'stopped');
    assert.deepEqual(await fx.logLines(second), ['stdout sleep 30 ']);
    // The second container's init is not pid 1 there: stop must still end all of it.
    const lingering = await fx.run('pid-third', {
      args: ['sh', '-c', 'trap "" TERM; sleep 30 & wait'],
      pidNamespacePath: `/proc/${pid}/ns/pid`,
    });
    const info = await fx.runtime.stop(lingering, { stopTimeoutMs: 300 });
    assert.equal(info.exitCode, 137);
    await fx.runtime.remove(lingering);
    await fx.runtime.stop(first, { stopTimeoutMs: 300 });
  });
});
