import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cgroupDirs } from '../../../src/agent/cgroups/cgroup-dirs.ts';
import { removeCgroup } from '../../../src/agent/cgroups/remove-cgroup.ts';
import { TaskCgroups } from '../../../src/agent/cgroups/task-cgroups.ts';

describe('TaskCgroups on this host', () => {
  let cgroups: TaskCgroups;
  const parentPath = `/ngtest-rt-cg-${process.pid}`;
  before(async () => {
    cgroups = await TaskCgroups.detect({ parentPath });
  });
  after(async () => {
    await removeCgroup(cgroups.mounts, parentPath);
  });

  test('creates a task cgroup whose cpu quota and memory limit the kernel holds', async (t) => {
    const path = await cgroups.create('t256', { cpuUnits: 256, memoryMiB: 512, pidsLimit: 64 });
    assert.equal(path, `${parentPath}/t256`);
    const read = (file: string) => readFileSync(file, 'utf8').trim();
    if (cgroups.mounts.mode === 'v2') {
      const dir = join(cgroups.mounts.unified!, path);
      assert.equal(read(join(dir, 'cpu.max')), '25000 100000');
      assert.equal(read(join(dir, 'memory.max')), String(512 * 2 ** 20));
      assert.equal(read(join(dir, 'pids.max')), '64');
    } else {
      const at = (controller: string, file: string) => read(join(cgroups.mounts.v1[controller]!, path, file));
      assert.equal(at('cpu', 'cpu.cfs_period_us'), '100000');
      assert.equal(at('cpu', 'cpu.cfs_quota_us'), '25000');
      assert.equal(at('memory', 'memory.limit_in_bytes'), String(512 * 2 ** 20));
      if (existsSync(join(cgroups.mounts.v1.memory!, path, 'memory.memsw.limit_in_bytes'))) {
        assert.equal(at('memory', 'memory.memsw.limit_in_bytes'), String(512 * 2 ** 20));
      }
      assert.equal(at('pids', 'pids.max'), '64');
      assert.equal(at('cpuset', 'cpuset.cpus'), read(join(cgroups.mounts.v1.cpuset!, 'cpuset.cpus')));
    }
    // Creating again (a retry after a crash) changes the limits in place.
    await cgroups.create('t256', { cpuUnits: 512, memoryMiB: 1024 });
    if (cgroups.mounts.mode !== 'v2') {
      assert.equal(read(join(cgroups.mounts.v1.cpu!, path, 'cpu.cfs_quota_us')), '50000');
    }
    t.diagnostic(`cgroup mode: ${cgroups.mounts.mode}`);
  });

  test('a process in a container cgroup below is held to the task quota', async () => {
    await cgroups.create('tcpu', { cpuUnits: 256 });
    const container = cgroups.containerPath('tcpu', 'busy');
    const dirs = cgroupDirs(cgroups.mounts, container);
    // A shell in the container cgroup spins for 1 s of wall time; with a quarter vCPU it gets ~250 ms.
    const script = `for d in ${dirs.join(' ')}; do mkdir -p $d; echo $$ > $d/cgroup.procs; done; end=$(($(date +%s%N) + 1000000000)); while [ $(date +%s%N) -lt $end ]; do :; done; cat /proc/$$/stat`;
    const stat = execFileSync('sh', ['-c', script]).toString();
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    assert.ok(cpuMs < 500, `used ${cpuMs} ms of cpu in 1 s`);
    await cgroups.remove('tcpu');
  });

  test('lists task cgroups and removes them with what is below, in every tree', async () => {
    await cgroups.create('tgone', { memoryMiB: 256 });
    const leftover = cgroupDirs(cgroups.mounts, cgroups.containerPath('tgone', 'app'));
    for (const dir of leftover) execFileSync('mkdir', ['-p', dir]);
    assert.ok((await cgroups.list()).includes('tgone'));
    await cgroups.remove('tgone');
    assert.ok(!(await cgroups.list()).includes('tgone'));
    for (const dir of cgroupDirs(cgroups.mounts, cgroups.taskPath('tgone')))
      assert.equal(existsSync(dir), false, dir);
    await cgroups.remove('tgone');
  });

  test('kills what still runs in a cgroup it removes', async () => {
    await cgroups.create('tbusy', {});
    const memory = join(cgroups.mounts.v1.memory ?? cgroups.mounts.unified!, cgroups.taskPath('tbusy'));
    const sleeper = Number(
      execFileSync('sh', ['-c', `sleep 30 > /dev/null 2>&1 & echo $!`]).toString().trim(),
    );
    try {
      writeFileSync(join(memory, 'cgroup.procs'), String(sleeper));
      await cgroups.remove('tbusy');
      assert.ok(!(await cgroups.list()).includes('tbusy'));
      // Dead: gone, or a zombie until whoever adopted it reaps it.
      const state = existsSync(`/proc/${sleeper}/stat`)
        ? readFileSync(`/proc/${sleeper}/stat`, 'utf8').split(') ')[1]![0]
        : 'gone';
      assert.ok(state === 'gone' || state === 'Z', state);
    } finally {
      try {
        process.kill(sleeper, 'SIGKILL');
      } catch {}
    }
  });

  test('refuses names that would leave the parent', () => {
    assert.throws(() => cgroups.taskPath('../etc'), RangeError);
    assert.throws(() => cgroups.containerPath('t', 'a/b'), RangeError);
  });
});
