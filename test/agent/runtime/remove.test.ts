import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cgroupDirs } from '../../../src/agent/cgroups/cgroup-dirs.ts';
import { readCgroupMounts } from '../../../src/agent/cgroups/cgroup-mounts.ts';
import { removeCgroup } from '../../../src/agent/cgroups/remove-cgroup.ts';
import { ContainerRuntime } from '../../../src/agent/runtime/container-runtime.ts';
import { RuntimeFixture } from './runtime-fixture.ts';

describe('remove', () => {
  let fx: RuntimeFixture;
  before(async () => {
    fx = await RuntimeFixture.create('rm');
  });
  after(async () => {
    await fx.cleanup();
  });

  for (const state of ['running', 'stopped', 'created'] as const) {
    test(`leaves nothing of a ${state} container: no runc state, cgroup, conmon or files`, async () => {
      const id = fx.id(`gone-${state}`);
      const spec = await fx.spec(id, { args: ['sh', '-c', state === 'stopped' ? 'exit 0' : 'sleep 30'] });
      await fx.runtime.create(id, { bundleDir: fx.dir, spec, logPath: fx.logPath(id) });
      if (state !== 'created') await fx.runtime.start(id);
      if (state === 'stopped') await fx.waitFor(id, 'stopped');
      const conmonPid = Number(await readFile(join(fx.dir, 'state/containers', id, 'conmon.pid'), 'utf8'));
      const dirs = cgroupDirs(await readCgroupMounts(), spec.linux.cgroupsPath!);
      assert.ok(
        dirs.some((dir) => exists(dir)),
        'the container had a cgroup',
      );

      await fx.runtime.remove(id);

      assert.equal((await fx.runtime.inspect(id)).status, 'missing');
      const runcIds = execFileSync('runc', ['--root', join(fx.dir, 'state/runc'), 'list', '-q']).toString();
      assert.ok(!runcIds.split('\n').includes(id), 'runc no longer knows it');
      assert.deepEqual(
        dirs.filter((dir) => exists(dir)),
        [],
      );
      assert.deepEqual(processesNaming(id), [], 'no conmon, no container process');
      assert.ok(
        !exists(`/proc/${conmonPid}/cmdline`) ||
          !readFileSync(`/proc/${conmonPid}/cmdline`, 'utf8').includes(id),
      );
      assert.equal(await stat(join(fx.dir, 'state/containers', id)).catch(() => null), null);
      assert.equal(await stat(join(fx.dir, 'state/exits', id)).catch(() => null), null);
      await fx.runtime.remove(id);
    });
  }

  test('moves conmon into the cgroup it is given, out of the server cgroup', async () => {
    const conmonCgroupPath = `${fx.cgroupParent}-conmon`;
    const runtime = new ContainerRuntime({ stateDir: join(fx.dir, 'state'), conmonCgroupPath });
    const id = fx.id('moved');
    try {
      await runtime.create(id, {
        bundleDir: fx.dir,
        spec: await fx.spec(id, { args: ['sleep', '30'] }),
        logPath: fx.logPath(id),
      });
      await runtime.start(id);
      const conmonPid = Number(await readFile(join(fx.dir, 'state/containers', id, 'conmon.pid'), 'utf8'));
      const lines = (await readFile(`/proc/${conmonPid}/cgroup`, 'utf8')).trim().split('\n');
      // Every tree: v1 controllers, the named systemd hierarchy, and hybrid's cgroup2 tree.
      assert.ok(lines.length > 1);
      for (const line of lines) assert.ok(line.endsWith(`:${conmonCgroupPath}`), line);
      assert.equal((await runtime.inspect(id)).status, 'running');
    } finally {
      await runtime.remove(id);
      await removeCgroup(await readCgroupMounts(), conmonCgroupPath);
    }
  });
});

function exists(path: string): boolean {
  try {
    readFileSync(path.endsWith('cmdline') ? path : join(path, 'cgroup.procs'));
    return true;
  } catch {
    return false;
  }
}

function processesNaming(id: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(id);
      } catch {
        return false;
      }
    })
    .map(Number);
}
