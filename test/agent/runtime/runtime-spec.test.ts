import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CAPABILITIES, resolveCapabilities } from '../../../src/agent/runtime/capabilities.ts';
import { resolveExecUser } from '../../../src/agent/runtime/exec-user.ts';
import { serializeRuntimeSpec } from '../../../src/agent/runtime/oci-spec.ts';
import {
  buildRuntimeSpec,
  cpuSharesFromUnits,
  type RuntimeSpecInput,
} from '../../../src/agent/runtime/runtime-spec.ts';

const db = {
  passwd: 'root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000:app:/home/app:/bin/sh\n',
  group: 'root:x:0:\napp:x:1000:\nstaff:x:50:app\nvideo:x:44:root,app\nwheel:x:10:root\n',
};
const base: RuntimeSpecInput = {
  args: ['/bin/server', '--port', '80'],
  rootfsPath: 'rootfs',
  cgroupsPath: '/neargate/t/web',
};

describe('buildRuntimeSpec', () => {
  test('gives a root container Docker defaults', () => {
    const spec = buildRuntimeSpec({ ...base, userDatabase: db, hostname: 'ip-10-0-0-5' });
    assert.deepEqual(spec.process.args, ['/bin/server', '--port', '80']);
    assert.deepEqual(spec.process.user, { uid: 0, gid: 0, additionalGids: [44, 10] });
    assert.deepEqual(spec.process.env, [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=ip-10-0-0-5',
    ]);
    assert.equal(spec.process.cwd, '/');
    assert.equal(spec.process.noNewPrivileges, false);
    assert.deepEqual(spec.process.capabilities, {
      bounding: DEFAULT_CAPABILITIES,
      effective: DEFAULT_CAPABILITIES,
      permitted: DEFAULT_CAPABILITIES,
    });
    assert.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 65_535, hard: 65_535 }]);
    assert.deepEqual(spec.root, { path: 'rootfs', readonly: false });
    assert.equal(spec.hostname, 'ip-10-0-0-5');
    assert.deepEqual(
      spec.mounts.map((mount) => `${mount.destination} ${mount.type}`),
      [
        '/proc proc',
        '/dev tmpfs',
        '/dev/pts devpts',
        '/sys sysfs',
        '/sys/fs/cgroup cgroup',
        '/dev/mqueue mqueue',
        '/dev/shm tmpfs',
      ],
    );
    assert.ok(
      spec.mounts.find((mount) => mount.destination === '/dev/shm')?.options?.includes('size=67108864'),
    );
    assert.ok(spec.mounts.find((mount) => mount.destination === '/sys')?.options?.includes('ro'));
    assert.deepEqual(
      spec.linux.namespaces.map((namespace) => namespace.type),
      ['pid', 'ipc', 'uts', 'mount', 'network'],
    );
    assert.equal(spec.linux.cgroupsPath, '/neargate/t/web');
    assert.deepEqual(spec.linux.resources, {
      devices: [{ allow: false, access: 'rwm' }],
      cpu: { shares: 2 },
    });
    assert.ok(spec.linux.maskedPaths?.includes('/proc/kcore'));
    assert.ok(spec.linux.readonlyPaths?.includes('/proc/sys'));
  });

  test('maps the ECS container settings', () => {
    const spec = buildRuntimeSpec({
      ...base,
      env: { PATH: '/app/bin', HOSTNAME: 'mine', EMPTY: '' },
      cwd: '/app',
      user: 'app',
      userDatabase: db,
      hostname: 'h',
      readonlyRootFilesystem: true,
      memoryMiB: 512,
      memoryReservationMiB: 256,
      cpuUnits: 512,
      pidsLimit: 100,
      ulimits: [
        { name: 'nofile', softLimit: 1024, hardLimit: 4096 },
        { name: 'core', softLimit: -1, hardLimit: -1 },
      ],
      capabilities: { add: ['sys_ptrace'], drop: ['NET_RAW', 'CAP_MKNOD'] },
      noNewPrivileges: true,
      systemControls: [{ namespace: 'net.core.somaxconn', value: '1024' }],
      networkNamespacePath: '/var/run/netns/task-1',
      pidNamespacePath: '/proc/42/ns/pid',
      mounts: [
        { source: '/data/vol', destination: '/var/lib/data', readOnly: true },
        { source: '/run/t/hosts', destination: '/etc/hosts' },
      ],
      tmpfs: [{ containerPath: '/scratch', size: 32, mountOptions: ['exec', 'mode=1777'] }],
      sharedMemorySizeMiB: 128,
    });
    assert.deepEqual(spec.process.env, ['PATH=/app/bin', 'HOSTNAME=mine', 'EMPTY=']);
    assert.equal(spec.process.cwd, '/app');
    assert.deepEqual(spec.process.user, { uid: 1000, gid: 1000, additionalGids: [50, 44] });
    assert.equal(spec.process.noNewPrivileges, true);
    const caps = DEFAULT_CAPABILITIES.filter((cap) => cap !== 'CAP_NET_RAW' && cap !== 'CAP_MKNOD');
    // Not root: Docker gives the set as bounding only.
    assert.deepEqual(spec.process.capabilities, {
      bounding: [...caps, 'CAP_SYS_PTRACE'],
      effective: [],
      permitted: [],
    });
    assert.deepEqual(spec.process.rlimits, [
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
      { type: 'RLIMIT_CORE', soft: 2n ** 64n - 1n, hard: 2n ** 64n - 1n },
    ]);
    assert.equal(spec.root.readonly, true);
    assert.deepEqual(spec.linux.namespaces, [
      { type: 'pid', path: '/proc/42/ns/pid' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'network', path: '/var/run/netns/task-1' },
    ]);
    assert.deepEqual(spec.linux.resources, {
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 512 * 2 ** 20, swap: 512 * 2 ** 20, reservation: 256 * 2 ** 20 },
      cpu: { shares: 512 },
      pids: { limit: 100 },
    });
    assert.deepEqual(spec.linux.sysctl, { 'net.core.somaxconn': '1024' });
    // Defaults first, then the caller's mounts, shallow before deep.
    assert.deepEqual(
      spec.mounts.slice(7).map((mount) => [mount.destination, mount.type, mount.source, mount.options]),
      [
        // `exec` asked for: Docker's noexec default goes, nosuid and nodev stay.
        ['/scratch', 'tmpfs', 'tmpfs', ['nosuid', 'nodev', 'exec', 'mode=1777', 'size=33554432']],
        ['/etc/hosts', 'bind', '/run/t/hosts', ['rbind', 'rw', 'rprivate']],
        ['/var/lib/data', 'bind', '/data/vol', ['rbind', 'ro', 'rprivate']],
      ],
    );
    assert.ok(
      spec.mounts
        .find((mount) => mount.destination === '/dev/shm')
        ?.options?.includes(`size=${128 * 2 ** 20}`),
    );
  });

  test('writes rlimits past 2^53 as exact JSON integers', () => {
    const spec = buildRuntimeSpec({ ...base, ulimits: [{ name: 'memlock', softLimit: -1, hardLimit: -1 }] });
    const text = serializeRuntimeSpec(spec);
    assert.match(text, /"type":"RLIMIT_MEMLOCK","soft":18446744073709551615,"hard":18446744073709551615/);
    assert.equal(JSON.parse(text).process.args[0], '/bin/server');
  });

  test('runs tini as pid 1 when initProcessEnabled', () => {
    const spec = buildRuntimeSpec({ ...base, initProcessEnabled: true });
    assert.deepEqual(spec.process.args, ['/sbin/docker-init', '--', '/bin/server', '--port', '80']);
    assert.deepEqual(spec.mounts.at(-1), {
      destination: '/sbin/docker-init',
      type: 'bind',
      source: '/usr/bin/tini-static',
      options: ['rbind', 'ro', 'rprivate'],
    });
  });

  test('a volume on /dev/shm replaces the default one', () => {
    const spec = buildRuntimeSpec({ ...base, mounts: [{ source: '/host/shm', destination: '/dev/shm' }] });
    assert.deepEqual(
      spec.mounts.filter((mount) => mount.destination === '/dev/shm').map((mount) => mount.type),
      ['bind'],
    );
  });

  test('lowers the default open-files limit to the host ceiling, not the task definition one', () => {
    assert.deepEqual(buildRuntimeSpec({ ...base, nofileCeiling: 20_000 }).process.rlimits, [
      { type: 'RLIMIT_NOFILE', soft: 20_000, hard: 20_000 },
    ]);
    const set = buildRuntimeSpec({
      ...base,
      nofileCeiling: 20_000,
      ulimits: [{ name: 'nofile', softLimit: 30_000, hardLimit: 30_000 }],
    });
    assert.deepEqual(set.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 30_000, hard: 30_000 }]);
  });

  test('refuses what runc would misread', () => {
    assert.throws(() => buildRuntimeSpec({ ...base, args: [] }), RangeError);
    assert.throws(() => buildRuntimeSpec({ ...base, cgroupsPath: 'neargate/t' }), RangeError);
    assert.throws(() => buildRuntimeSpec({ ...base, cwd: 'app' }), RangeError);
    assert.throws(() => buildRuntimeSpec({ ...base, env: { 'A=B': 'x' } }), RangeError);
    assert.throws(
      () => buildRuntimeSpec({ ...base, ulimits: [{ name: 'files', softLimit: 1, hardLimit: 1 }] }),
      RangeError,
    );
    assert.throws(() => buildRuntimeSpec({ ...base, capabilities: { add: ['FLY'] } }), RangeError);
    assert.throws(() => buildRuntimeSpec({ ...base, maxSwapMiB: 10 }), RangeError);
    assert.throws(() => buildRuntimeSpec({ ...base, user: 'ghost', userDatabase: db }), {
      code: 'InvalidContainerConfig',
      message: 'unable to find user ghost: no matching entries in passwd file',
    });
  });

  test('limits swap as ECS maxSwap says, and not where the host cannot', () => {
    const swap = (input: Partial<RuntimeSpecInput>) =>
      buildRuntimeSpec({ ...base, memoryMiB: 100, ...input }).linux.resources?.memory;
    assert.equal(swap({})?.swap, 100 * 2 ** 20);
    assert.equal(swap({ maxSwapMiB: 50 })?.swap, 150 * 2 ** 20);
    assert.equal(swap({ swapLimitSupported: false })?.swap, undefined);
  });
});

describe('cpuSharesFromUnits', () => {
  test('follows the ECS agent: at least 2, at most 262144', () => {
    assert.deepEqual(
      [undefined, 0, 1, 2, 128, 1024, 300_000].map(cpuSharesFromUnits),
      [2, 2, 2, 2, 128, 1024, 262_144],
    );
  });
});

describe('resolveCapabilities', () => {
  test('adds and drops by Docker rules, ALL included', () => {
    assert.deepEqual(resolveCapabilities({}), DEFAULT_CAPABILITIES);
    const all = resolveCapabilities({ add: ['ALL'], drop: ['SYS_ADMIN'] });
    assert.equal(all.length, 40);
    assert.ok(!all.includes('CAP_SYS_ADMIN') && all.includes('CAP_BPF'));
    assert.deepEqual(resolveCapabilities({ add: ['NET_BIND_SERVICE'], drop: ['ALL'] }), [
      'CAP_NET_BIND_SERVICE',
    ]);
    assert.deepEqual(resolveCapabilities({ add: ['kill'] }), DEFAULT_CAPABILITIES, 'no duplicates');
  });
});

describe('resolveExecUser', () => {
  const cases: [string | undefined, { uid: number; gid: number; additionalGids: number[]; home: string }][] =
    [
      [undefined, { uid: 0, gid: 0, additionalGids: [44, 10], home: '/root' }],
      ['app', { uid: 1000, gid: 1000, additionalGids: [50, 44], home: '/home/app' }],
      ['1000', { uid: 1000, gid: 1000, additionalGids: [50, 44], home: '/home/app' }],
      ['app:staff', { uid: 1000, gid: 50, additionalGids: [], home: '/home/app' }],
      ['app:44', { uid: 1000, gid: 44, additionalGids: [], home: '/home/app' }],
      ['4242', { uid: 4242, gid: 0, additionalGids: [], home: '/' }],
      ['4242:4343', { uid: 4242, gid: 4343, additionalGids: [], home: '/' }],
    ];
  for (const [user, expected] of cases) {
    test(`resolves ${user ?? 'no user'} as Docker does`, () => {
      assert.deepEqual(resolveExecUser(user, db), expected);
    });
  }

  test('fails on names the image does not have', () => {
    assert.throws(() => resolveExecUser('app:nogroup', db), {
      message: 'unable to find group nogroup: no matching entries in group file',
    });
    assert.throws(() => resolveExecUser('app', {}), { code: 'InvalidContainerConfig' });
    assert.deepEqual(resolveExecUser('7:8', {}), { uid: 7, gid: 8, additionalGids: [], home: '/' });
  });
});
