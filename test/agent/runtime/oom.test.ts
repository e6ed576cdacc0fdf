import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TaskCgroups } from '../../../src/agent/cgroups/task-cgroups.ts';
import { RuntimeFixture } from './runtime-fixture.ts';

// One process (the shell execs awk) that doubles a string until it is killed: with a pipeline
// the OOM killer could pick another process than the container's init.
const HOG = ['sh', '-c', 'echo start; exec awk \'BEGIN { s = "x"; while (1) s = s s }\''];

describe('OOM kills', () => {
  let fx: RuntimeFixture;
  let cgroups: TaskCgroups;
  before(async () => {
    fx = await RuntimeFixture.create('oom');
    cgroups = await TaskCgroups.detect({ parentPath: fx.cgroupParent });
  });
  after(async () => {
    await fx.cleanup();
  });

  test('a container past its own memory limit is reported oomKilled with exit code 137', async () => {
    const id = await fx.run('own-limit', { args: HOG, memoryMiB: 16 });
    const info = await fx.waitFor(id, 'stopped', 20_000);
    assert.equal(info.exitCode, 137);
    assert.equal(info.oomKilled, true);
    assert.deepEqual(await fx.logLines(id), ['stdout start']);
  });

  test('a container past the task memory limit is oomKilled, its sibling is not', async () => {
    const taskId = 'task-oom';
    await cgroups.create(taskId, { memoryMiB: 24, cpuUnits: 1024 });
    const hog = await fx.run('task-hog', { args: HOG, cgroupsPath: cgroups.containerPath(taskId, 'hog') });
    const sibling = await fx.run('task-sibling', {
      args: ['sleep', '30'],
      cgroupsPath: cgroups.containerPath(taskId, 'sibling'),
    });
    const info = await fx.waitFor(hog, 'stopped', 20_000);
    assert.equal(info.exitCode, 137);
    assert.equal(info.oomKilled, true);
    const other = await fx.runtime.stop(sibling, { stopTimeoutMs: 1_000 });
    // sleep as pid 1 ignores SIGTERM: killed at the stop timeout, yet not by the OOM killer.
    assert.equal(other.exitCode, 137);
    assert.equal(other.oomKilled, false);
    assert.equal((await fx.runtime.inspect(hog)).oomKilled, true);
    await fx.runtime.remove(hog);
    await fx.runtime.remove(sibling);
    assert.ok((await cgroups.list()).includes(taskId));
    await cgroups.remove(taskId);
    assert.ok(!(await cgroups.list()).includes(taskId));
  });

  test('a container well under its limit is not oomKilled', async () => {
    const id = await fx.run('small', {
      args: ['sh', '-c', 'x=$(head -c 1048576 /dev/zero | tr "\\0" a); exit 0'],
      memoryMiB: 64,
    });
    const info = await fx.waitFor(id, 'stopped');
    assert.equal(info.exitCode, 0);
    assert.equal(info.oomKilled, false);
  });
});
