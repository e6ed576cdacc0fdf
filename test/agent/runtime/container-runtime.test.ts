import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DirectRunner } from '../../../src/agent/process/direct-runner.ts';
import { ContainerRuntime } from '../../../src/agent/runtime/container-runtime.ts';
import { readNofileCeiling } from '../../../src/agent/runtime/read-nofile-ceiling.ts';
import { RuntimeError } from '../../../src/agent/runtime/runtime-error.ts';
import { RuntimeFixture } from './runtime-fixture.ts';

describe('ContainerRuntime', () => {
  let fx: RuntimeFixture;
  before(async () => {
    fx = await RuntimeFixture.create('cr');
  });
  after(async () => {
    await fx.cleanup();
  });

  test('reports the exit code and logs stdout and stderr lines', async () => {
    const id = await fx.run('exit3', { args: ['sh', '-c', 'echo hello; echo oops >&2; echo world; exit 3'] });
    const info = await fx.waitFor(id, 'stopped');
    assert.equal(info.exitCode, 3);
    assert.equal(info.oomKilled, false);
    assert.ok(info.startedAt && info.finishedAt && info.createdAt);
    assert.ok(info.finishedAt.getTime() >= info.startedAt.getTime() - 1_000);
    // Two pipes: the order within a stream is kept, not across them.
    const lines = await fx.logLines(id);
    assert.deepEqual(
      lines.filter((line) => line.startsWith('stdout')),
      ['stdout hello', 'stdout world'],
    );
    assert.deepEqual(
      lines.filter((line) => line.startsWith('stderr')),
      ['stderr oops'],
    );
  });

  test('runs as the user, in the directory, with the environment of the spec', async () => {
    const id = await fx.run('identity', {
      args: [
        'sh',
        '-c',
        'id; pwd; echo "foo=$FOO home=$HOME host=$(hostname)"; touch /x 2>/dev/null || echo ro',
      ],
      user: 'app',
      cwd: '/home/app',
      env: { FOO: 'bar baz' },
      hostname: 'task-host',
      readonlyRootFilesystem: true,
    });
    await fx.waitFor(id, 'stopped');
    assert.deepEqual(await fx.logLines(id), [
      // Supplementary groups from /etc/group, as Docker sets them (the primary group is not one).
      'stdout uid=1000(app) gid=1000(app) groups=44(video),50(staff)',
      'stdout /home/app',
      'stdout foo=bar baz home=/home/app host=task-host',
      'stdout ro',
    ]);
  });

  test('applies ulimits and capabilities', async () => {
    const script = 'ulimit -n; ulimit -Hn; grep -E "^Cap(Eff|Bnd)" /proc/self/status';
    const root = await fx.run('caps-root', {
      args: ['sh', '-c', script],
      ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 2048 }],
    });
    const added = await fx.run('caps-added', {
      args: ['sh', '-c', script],
      capabilities: { add: ['SYS_PTRACE', 'NET_ADMIN'], drop: ['MKNOD'] },
    });
    const user = await fx.run('caps-user', { args: ['sh', '-c', script], user: '1000:1000' });
    await Promise.all([root, added, user].map((id) => fx.waitFor(id, 'stopped')));
    // Docker's default set is 0xa80425fb.
    assert.deepEqual(await fx.logLines(root), [
      'stdout 1024',
      'stdout 2048',
      'stdout CapEff:\t00000000a80425fb',
      'stdout CapBnd:\t00000000a80425fb',
    ]);
    // + SYS_PTRACE (bit 19) + NET_ADMIN (bit 12) - MKNOD (bit 27); Fargate's nofile default, as far as
    // this host lets it be raised.
    const nofile = Math.min(65_535, (await readNofileCeiling()) ?? 65_535);
    assert.deepEqual(await fx.logLines(added), [
      `stdout ${nofile}`,
      `stdout ${nofile}`,
      'stdout CapEff:\t00000000a00c35fb',
      'stdout CapBnd:\t00000000a00c35fb',
    ]);
    assert.deepEqual((await fx.logLines(user)).slice(2), [
      'stdout CapEff:\t0000000000000000',
      'stdout CapBnd:\t00000000a80425fb',
    ]);
  });

  test('stop sends SIGTERM and a container that traps it exits on its own', async () => {
    const id = await fx.run('term', {
      args: ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo ready; while true; do sleep 0.05; done'],
    });
    await waitForLog(fx, id, 'stdout ready');
    const started = performance.now();
    const info = await fx.runtime.stop(id, { stopTimeoutMs: 5_000 });
    assert.ok(performance.now() - started < 2_000, 'stopped well before the timeout');
    assert.equal(info.status, 'stopped');
    assert.equal(info.exitCode, 0);
    assert.deepEqual(await fx.logLines(id), ['stdout ready', 'stdout got TERM']);
  });

  test('stopping a container that ends on SIGTERM runs no runc process: dozens stop at once in a scale-in', async () => {
    const id = await fx.run('term-direct', {
      args: ['sh', '-c', 'trap "echo got TERM; exit 3" TERM; echo ready; while true; do sleep 0.05; done'],
    });
    await waitForLog(fx, id, 'stdout ready');
    const { runtime: counting, ran } = countingRuntime(fx);
    const info = await counting.stop(id, { stopTimeoutMs: 5_000 });
    assert.equal(info.status, 'stopped');
    assert.equal(info.exitCode, 3, 'it got the stop signal');
    assert.deepEqual(await fx.logLines(id), ['stdout ready', 'stdout got TERM']);
    assert.deepEqual(ran, [], 'signalled and seen to end without runc');
  });

  test('start runs no runc process, and runc sees the container running as after runc start', async () => {
    const id = fx.id('fifo-start');
    const { pid } = await createOnly(fx, id, ['sh', '-c', 'echo started; sleep 30']);
    const { runtime: counting, ran } = countingRuntime(fx);
    await counting.start(id);
    assert.deepEqual(ran, [], 'started without runc');
    // Started means the command runs, not runc's init (which, as pid 1, would ignore a SIGTERM).
    assert.equal(readlinkSync(`/proc/${pid}/exe`), '/bin/busybox');
    await waitForLog(fx, id, 'stdout started');
    const runcState = await promisify(execFile)('runc', [
      '--root',
      join(fx.dir, 'state', 'runc'),
      'state',
      id,
    ]);
    const state = JSON.parse(runcState.stdout) as { status: string; pid: number };
    assert.equal(state.status, 'running');
    assert.equal(state.pid, pid);
    // As with runc start, a container starts once.
    await assert.rejects(fx.runtime.start(id), RuntimeError);
    await fx.runtime.remove(id);
  });

  test('a created container whose init died fails to start with the error runc gives', async () => {
    const id = fx.id('dead-init');
    const { pid } = await createOnly(fx, id, ['sleep', '30']);
    process.kill(pid, 'SIGKILL');
    const started = performance.now();
    await assert.rejects(fx.runtime.start(id), RuntimeError);
    assert.ok(performance.now() - started < 5_000, 'no hang on a fifo nobody writes');
    await fx.runtime.remove(id);
  });

  test('stop uses the image stop signal', async () => {
    const id = await fx.run(
      'quit',
      {
        args: ['sh', '-c', 'trap "echo got QUIT; exit 4" QUIT; echo ready; while true; do sleep 0.05; done'],
      },
      'SIGQUIT',
    );
    await waitForLog(fx, id, 'stdout ready');
    const info = await fx.runtime.stop(id, { stopTimeoutMs: 5_000 });
    assert.equal(info.exitCode, 4);
  });

  test('stop sends SIGKILL after the timeout to a container that ignores SIGTERM', async () => {
    const id = await fx.run('kill', {
      args: ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.05; done'],
    });
    await waitForLog(fx, id, 'stdout ready');
    const started = performance.now();
    const info = await fx.runtime.stop(id, { stopTimeoutMs: 700 });
    const elapsedMs = performance.now() - started;
    assert.ok(elapsedMs >= 700 && elapsedMs < 3_000, `took ${elapsedMs} ms`);
    assert.equal(info.exitCode, 137);
    assert.equal(info.oomKilled, false);
  });

  test('runs tini as pid 1 when the init process is enabled', async () => {
    const withInit = await fx.run('init', {
      args: ['sh', '-c', 'echo "pid=$$"; tr "\\0" " " < /proc/1/cmdline; echo; exit 5'],
      initProcessEnabled: true,
    });
    const without = await fx.run('noinit', { args: ['sh', '-c', 'echo "pid=$$"'] });
    const info = await fx.waitFor(withInit, 'stopped');
    await fx.waitFor(without, 'stopped');
    const lines = await fx.logLines(withInit);
    assert.notEqual(lines[0], 'stdout pid=1');
    assert.match(lines[1] ?? '', /^stdout \/sbin\/docker-init -- sh -c /);
    assert.equal(info.exitCode, 5, 'tini passes the exit code on');
    assert.deepEqual(await fx.logLines(without), ['stdout pid=1']);
  });

  test('exec runs a command in the container, with a timeout', async () => {
    const id = await fx.run('exec', { args: ['sleep', '30'], env: { MARK: 'm1' }, user: 'app' });
    const ok = await fx.runtime.exec(id, ['sh', '-c', 'echo "$MARK $(id -u)"; exit 2'], { timeoutMs: 5_000 });
    assert.deepEqual(ok, { exitCode: 2, stdout: 'm1 1000\n', stderr: '', timedOut: false });
    const started = performance.now();
    const slow = await fx.runtime.exec(id, ['sleep', '10'], { timeoutMs: 300 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.exitCode, 137);
    assert.ok(performance.now() - started < 2_000);
    const missing = await fx.runtime.exec(id, ['no-such-binary'], { timeoutMs: 5_000 });
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /no-such-binary/);
    const stats = await fx.runtime.stats(id);
    assert.ok(stats.memory.usageBytes > 0);
    assert.ok(stats.pids.current >= 1);
    await fx.runtime.stop(id, { stopTimeoutMs: 1_000 });
    await assert.rejects(fx.runtime.exec(id, ['true'], { timeoutMs: 1_000 }), {
      code: 'ContainerNotRunning',
    });
  });

  test('a failed create says why and leaves nothing behind', async () => {
    const id = fx.id('badcmd');
    const error = await fx.runtime
      .create(id, {
        bundleDir: fx.dir,
        spec: await fx.spec(id, { args: ['/no/such/binary'] }),
        logPath: fx.logPath(id),
      })
      .then(() => fx.runtime.start(id))
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    assert.ok(error instanceof RuntimeError, String(error));
    assert.match(error.message, /no such file or directory/);
    assert.equal((await fx.runtime.inspect(id)).status, 'missing');
    assert.deepEqual(
      (await fx.runtime.list()).filter((info) => info.id === id),
      [],
    );
  });

  test('create refuses an id that exists', async () => {
    const id = await fx.run('twice', { args: ['sleep', '30'] });
    await assert.rejects(
      fx.runtime.create(id, {
        bundleDir: fx.dir,
        spec: await fx.spec(id, { args: ['true'] }),
        logPath: fx.logPath(id),
      }),
      { code: 'ContainerExists' },
    );
    assert.equal((await fx.runtime.inspect(id)).status, 'running');
    await fx.runtime.remove(id);
  });

  test('inspect and list follow a container through its states', async () => {
    const id = fx.id('states');
    const { pid } = await createOnly(fx, id, ['sleep', '30']);
    const created = await fx.runtime.inspect(id);
    assert.equal(created.status, 'created');
    assert.equal(created.pid, pid);
    assert.equal(created.startedAt, null);
    await fx.runtime.start(id);
    const running = await fx.runtime.inspect(id);
    assert.equal(running.status, 'running');
    assert.ok(running.startedAt);
    assert.ok((await fx.runtime.list()).some((info) => info.id === id && info.status === 'running'));
    await fx.runtime.remove(id);
    assert.equal((await fx.runtime.inspect(id)).status, 'missing');
  });
});

async function waitForLog(fx: RuntimeFixture, id: string, line: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!(await fx.logLines(id)).includes(line)) {
    if (performance.now() > deadline) throw new Error(`No "${line}" in the log of ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Another runtime on the fixture's state dir (it sees the same containers) that records every
 * process it runs.
 */
function countingRuntime(fx: RuntimeFixture): { runtime: ContainerRuntime; ran: string[] } {
  const ran: string[] = [];
  const direct = new DirectRunner();
  const runtime = new ContainerRuntime({
    stateDir: join(fx.dir, 'state'),
    runner: {
      run: (file, args, options) => {
        ran.push(`${basename(file)} ${args.join(' ')}`);
        return direct.run(file, args, options);
      },
    },
  });
  return { runtime, ran };
}

/** Creates the container (runc create under conmon) without starting it. */
async function createOnly(fx: RuntimeFixture, id: string, args: string[]): Promise<{ pid: number }> {
  return fx.runtime.create(id, {
    bundleDir: fx.dir,
    spec: await fx.spec(id, { args }),
    logPath: fx.logPath(id),
  });
}
