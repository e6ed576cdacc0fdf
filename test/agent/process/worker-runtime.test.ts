import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readCgroupMounts } from '../../../src/agent/cgroups/cgroup-mounts.ts';
import { removeCgroup } from '../../../src/agent/cgroups/remove-cgroup.ts';
import { WorkerRunner } from '../../../src/agent/process/worker-runner.ts';
import { isConmonAlive } from '../../../src/agent/runtime/conmon-alive.ts';
import { ContainerRuntime } from '../../../src/agent/runtime/container-runtime.ts';
import { RuntimeFixture } from '../runtime/runtime-fixture.ts';

describe('containers started through the spawn worker', () => {
  let fx: RuntimeFixture;
  let runner: WorkerRunner;
  let runtime: ContainerRuntime;
  let conmonCgroupPath: string;
  before(async () => {
    fx = await RuntimeFixture.create('wrk');
    runner = new WorkerRunner();
    conmonCgroupPath = `${fx.cgroupParent}-conmon`;
    // With a conmon cgroup, conmon waits on its start pipe while it is moved: that path, too.
    runtime = new ContainerRuntime({ stateDir: join(fx.dir, 'state'), conmonCgroupPath, runner });
  });
  after(async () => {
    await runner.close();
    await fx.cleanup();
    await removeCgroup(await readCgroupMounts(), conmonCgroupPath).catch(() => {});
  });

  test('run, exec and stop as usual, and outlive the worker', async () => {
    const id = fx.id('through-worker');
    await runtime.create(id, {
      bundleDir: fx.dir,
      spec: await fx.spec(id, {
        args: ['sh', '-c', 'trap "exit 0" TERM; echo up; while :; do sleep 0.1; done'],
      }),
      logPath: fx.logPath(id),
    });
    await runtime.start(id);
    const conmonPid = Number(await readFile(join(fx.dir, 'state/containers', id, 'conmon.pid'), 'utf8'));
    const cgroups = (await readFile(`/proc/${conmonPid}/cgroup`, 'utf8')).trim().split('\n');
    for (const line of cgroups) assert.ok(line.endsWith(`:${conmonCgroupPath}`), line);
    const exec = await runtime.exec(id, ['sh', '-c', 'echo $((6 * 7))'], { timeoutMs: 5_000 });
    assert.deepEqual([exec.exitCode, exec.stdout], [0, '42\n']);

    process.kill(runner.pid!, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(await isConmonAlive(conmonPid, id), 'conmon is no child of the worker');
    assert.equal((await runtime.inspect(id)).status, 'running');

    const stopped = await runtime.stop(id, { stopTimeoutMs: 5_000 });
    assert.deepEqual([stopped.status, stopped.exitCode], ['stopped', 0]);
    assert.deepEqual(await fx.logLines(id), ['stdout up']);
    await runtime.remove(id);
    assert.equal((await runtime.inspect(id)).status, 'missing');
  });

  test("report a failed runc create with runc's message", async () => {
    const id = fx.id('no-binary');
    await assert.rejects(
      runtime.create(id, {
        bundleDir: fx.dir,
        spec: await fx.spec(id, { args: ['/no/such/binary'] }),
        logPath: fx.logPath(id),
      }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CreateFailed');
        assert.match(error.message, /no such file or directory/);
        return true;
      },
    );
    assert.equal((await runtime.inspect(id)).status, 'missing');
  });
});
