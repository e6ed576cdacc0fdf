import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { nodeSignal, signalInit } from '../../../src/agent/runtime/signal-init.ts';

/** A real process to signal, and the cgroup path it is in as /proc shows it. */
async function sleeper() {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const line = (await readFile(`/proc/${child.pid}/cgroup`, 'utf8')).split('\n')[0]!;
  const cgroup = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, pid: child.pid!, cgroup, exited };
}

test('signals the process while it is in the cgroup', async () => {
  const s = await sleeper();
  assert.equal(await signalInit(s.pid, s.cgroup, 'TERM'), 'sent');
  assert.deepEqual(await s.exited, [null, 'SIGTERM']);
  assert.equal(await signalInit(s.pid, s.cgroup, 'KILL'), 'gone', 'once it has ended');
});

test('leaves alone a pid that is not in the cgroup, or a signal Node cannot name: runc is to be asked', async () => {
  const s = await sleeper();
  try {
    assert.equal(await signalInit(s.pid, '/not-its-cgroup/x', 'KILL'), 'unverified');
    assert.equal(await signalInit(s.pid, 'not-absolute', 'KILL'), 'unverified');
    assert.equal(await signalInit(s.pid, null, 'KILL'), 'unverified');
    assert.equal(await signalInit(null, s.cgroup, 'KILL'), 'unverified');
    assert.equal(await signalInit(s.pid, s.cgroup, 'RTMIN+3'), 'unverified');
    assert.equal(s.child.exitCode, null);
    assert.equal(s.child.signalCode, null, 'still running');
  } finally {
    s.child.kill('SIGKILL');
    await s.exited;
  }
});

test('signal names as ECS and images give them', () => {
  assert.equal(nodeSignal('TERM'), 'SIGTERM');
  assert.equal(nodeSignal('SIGQUIT'), 'SIGQUIT');
  assert.equal(nodeSignal('9'), 9);
  assert.equal(nodeSignal('NOPE'), undefined);
  assert.equal(nodeSignal('RTMIN+3'), undefined);
});
