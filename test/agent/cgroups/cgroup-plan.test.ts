import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cgroupDirs } from '../../../src/agent/cgroups/cgroup-dirs.ts';
import { type CgroupMounts, parseCgroupMounts } from '../../../src/agent/cgroups/cgroup-mounts.ts';
import { cpuQuotaUs, planTaskCgroup } from '../../../src/agent/cgroups/cgroup-plan.ts';
import { parseOomKillCount } from '../../../src/agent/cgroups/read-oom-kill-count.ts';

// This machine's layout: separate cpu and cpuacct hierarchies, name=systemd, cgroup2 at unified.
const HYBRID = `23 1 0:22 / /sys rw,nosuid - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
// Debian 11 style v1: cpu and cpuacct co-mounted, a sub-tree bind mount that must be ignored.
const V1 = `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
36 31 0:32 /docker/abc /mnt/memory\\040copy rw - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids`;
const V2 = `29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

describe('parseCgroupMounts', () => {
  test('tells hybrid, v1 and v2 apart and finds every hierarchy', () => {
    assert.deepEqual(parseCgroupMounts(HYBRID), {
      mode: 'hybrid',
      v1: {
        cpu: '/sys/fs/cgroup/cpu',
        cpuacct: '/sys/fs/cgroup/cpuacct',
        cpuset: '/sys/fs/cgroup/cpuset',
        memory: '/sys/fs/cgroup/memory',
        pids: '/sys/fs/cgroup/pids',
        'name=systemd': '/sys/fs/cgroup/systemd',
      },
      unified: '/sys/fs/cgroup/unified',
    });
    assert.deepEqual(parseCgroupMounts(V1), {
      mode: 'v1',
      v1: {
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
        cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
        memory: '/sys/fs/cgroup/memory',
        pids: '/sys/fs/cgroup/pids',
      },
      unified: null,
    });
    assert.deepEqual(parseCgroupMounts(V2), { mode: 'v2', v1: {}, unified: '/sys/fs/cgroup' });
    assert.throws(() => parseCgroupMounts(''), /No cgroup file system/);
  });

  test('names one directory per tree for a cgroup path', () => {
    assert.deepEqual(cgroupDirs(parseCgroupMounts(V1), '/neargate/t1'), [
      '/sys/fs/cgroup/cpu,cpuacct/neargate/t1',
      '/sys/fs/cgroup/memory/neargate/t1',
      '/sys/fs/cgroup/pids/neargate/t1',
    ]);
    assert.deepEqual(cgroupDirs(parseCgroupMounts(V2), '/neargate/t1'), ['/sys/fs/cgroup/neargate/t1']);
    assert.throws(() => cgroupDirs(parseCgroupMounts(V2), 'neargate/t1'), RangeError);
    assert.throws(() => cgroupDirs(parseCgroupMounts(V2), '/neargate/../etc'), RangeError);
  });
});

describe('cpuQuotaUs', () => {
  test('is cpu/1024 of the 100 ms period, never under 1 ms', () => {
    assert.deepEqual(
      [256, 512, 1024, 2048, 4096, 16_384, 1].map((units) => cpuQuotaUs(units)),
      [25_000, 50_000, 100_000, 200_000, 400_000, 1_600_000, 1_000],
    );
    assert.throws(() => cpuQuotaUs(0), RangeError);
  });
});

describe('planTaskCgroup', () => {
  test('v2: delegates cpu, memory and pids down to the task and sets cpu.max and memory.max', () => {
    const mounts: CgroupMounts = parseCgroupMounts(V2);
    assert.deepEqual(
      planTaskCgroup(mounts, '/neargate/t1', { cpuUnits: 256, memoryMiB: 512, pidsLimit: 300 }),
      [
        { kind: 'enable', dir: '/sys/fs/cgroup', controllers: ['cpu', 'memory', 'pids'] },
        { kind: 'mkdir', dir: '/sys/fs/cgroup/neargate' },
        { kind: 'enable', dir: '/sys/fs/cgroup/neargate', controllers: ['cpu', 'memory', 'pids'] },
        { kind: 'mkdir', dir: '/sys/fs/cgroup/neargate/t1' },
        { kind: 'write', file: '/sys/fs/cgroup/neargate/t1/cpu.max', value: '25000 100000' },
        { kind: 'write', file: '/sys/fs/cgroup/neargate/t1/memory.max', value: '536870912' },
        { kind: 'write', file: '/sys/fs/cgroup/neargate/t1/memory.swap.max', value: '0', ifExists: true },
        { kind: 'write', file: '/sys/fs/cgroup/neargate/t1/pids.max', value: '300' },
        { kind: 'enable', dir: '/sys/fs/cgroup/neargate/t1', controllers: ['cpu', 'memory', 'pids'] },
      ],
    );
    const leaf = planTaskCgroup(mounts, '/neargate-conmon', {}, { delegate: false });
    assert.deepEqual(leaf, [
      { kind: 'enable', dir: '/sys/fs/cgroup', controllers: ['cpu', 'memory', 'pids'] },
      { kind: 'mkdir', dir: '/sys/fs/cgroup/neargate-conmon' },
    ]);
  });

  test('hybrid: the limits go to the v1 hierarchies, cpusets inherit their parents', () => {
    const ops = planTaskCgroup(parseCgroupMounts(HYBRID), '/neargate/t1', {
      cpuUnits: 1024,
      memoryMiB: 2048,
    });
    assert.deepEqual(
      ops.filter((op) => op.kind === 'write'),
      [
        { kind: 'write', file: '/sys/fs/cgroup/cpu/neargate/t1/cpu.cfs_period_us', value: '100000' },
        { kind: 'write', file: '/sys/fs/cgroup/cpu/neargate/t1/cpu.cfs_quota_us', value: '100000' },
      ],
    );
    assert.deepEqual(
      ops.filter((op) => op.kind === 'memoryLimit'),
      [
        {
          kind: 'memoryLimit',
          limitFile: '/sys/fs/cgroup/memory/neargate/t1/memory.limit_in_bytes',
          swapFile: '/sys/fs/cgroup/memory/neargate/t1/memory.memsw.limit_in_bytes',
          value: '2147483648',
        },
      ],
    );
    assert.deepEqual(
      ops.filter((op) => op.kind === 'inherit'),
      [
        {
          kind: 'inherit',
          file: '/sys/fs/cgroup/cpuset/neargate/cpuset.cpus',
          from: '/sys/fs/cgroup/cpuset/cpuset.cpus',
        },
        {
          kind: 'inherit',
          file: '/sys/fs/cgroup/cpuset/neargate/cpuset.mems',
          from: '/sys/fs/cgroup/cpuset/cpuset.mems',
        },
        {
          kind: 'inherit',
          file: '/sys/fs/cgroup/cpuset/neargate/t1/cpuset.cpus',
          from: '/sys/fs/cgroup/cpuset/neargate/cpuset.cpus',
        },
        {
          kind: 'inherit',
          file: '/sys/fs/cgroup/cpuset/neargate/t1/cpuset.mems',
          from: '/sys/fs/cgroup/cpuset/neargate/cpuset.mems',
        },
      ],
    );
    // Every v1 hierarchy gets the path (runc creates it in all of them anyway); cgroup2 is left to runc.
    assert.equal(ops.filter((op) => op.kind === 'mkdir').length, 6 * 2);
    assert.ok(!ops.some((op) => op.kind === 'mkdir' && op.dir.includes('unified')));
    assert.ok(!ops.some((op) => op.kind === 'enable'));
  });

  test('refuses sizes that are not Fargate-like integers', () => {
    assert.throws(() => planTaskCgroup(parseCgroupMounts(V2), '/n/t', { memoryMiB: 0.5 }), RangeError);
  });
});

describe('parseOomKillCount', () => {
  test('reads v1 memory.oom_control and v2 memory.events', () => {
    assert.equal(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n'), 3);
    assert.equal(parseOomKillCount('low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n'), 1);
    assert.equal(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\n'), 0);
  });
});
