import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProcessError } from '../../../src/agent/process/process-error.ts';
import { WorkerRunner } from '../../../src/agent/process/worker-runner.ts';
import { isAlive, killQuietly, waitUntil } from './process-helpers.ts';

const parentScript = fileURLToPath(new URL('./worker-parent.ts', import.meta.url));

describe('WorkerRunner', () => {
  it('forks from a process much smaller than this one', async () => {
    const runner = new WorkerRunner();
    try {
      await runner.run('true', []);
      const rssKiB = (pid: number | string) =>
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      assert.ok(rssKiB(runner.pid!) < 100 * 1024, `the worker uses ${rssKiB(runner.pid!)} KiB`);
    } finally {
      await runner.close();
    }
  });

  it('fails the runs a dead worker held, starts another, and leaves detached programs running', async () => {
    const exits: Array<number | null> = [];
    const runner = new WorkerRunner({ onExit: ({ code }) => exits.push(code) });
    let sleeper: number | undefined;
    let daemon: number | undefined;
    try {
      const report = await runner.run('sh', ['-c', 'sleep 30 & echo $! >&3'], {
        detached: true,
        syncPipeFd: 3,
      });
      daemon = Number(report.syncLine);
      const held = runner.run('sleep', ['30'], {
        onSpawn: (pid) => {
          sleeper = pid;
        },
      });
      await waitUntil(() => sleeper !== undefined);
      const first = runner.pid!;
      process.kill(first, 'SIGKILL');
      await assert.rejects(held, (error: unknown) => {
        assert.ok(error instanceof ProcessError);
        assert.equal(error.code, 'RunnerFailed');
        assert.equal(error.message, 'The spawn worker exited (SIGKILL) while "sleep" ran');
        return true;
      });
      assert.deepEqual(exits, [null]);
      assert.ok(isAlive(daemon), 'a detached program outlives the worker');
      const after = await runner.run('sh', ['-c', 'echo $PPID']);
      assert.notEqual(runner.pid, first);
      assert.equal(after.stdout, `${runner.pid}\n`);
    } finally {
      killQuietly(sleeper);
      killQuietly(daemon);
      await runner.close();
    }
  });

  it('stops the worker on close, failing later runs', async () => {
    const runner = new WorkerRunner();
    await runner.run('true', []);
    const pid = runner.pid!;
    await runner.close();
    assert.equal(isAlive(pid), false);
    await assert.rejects(runner.run('true', []), { name: 'ProcessError', code: 'RunnerFailed' });
  });

  it('ends the worker when its parent is killed', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', parentScript, 'hold'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let worker: number | undefined;
    try {
      worker = await new Promise<number>((resolve, reject) => {
        parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString())));
        parent.once('exit', (code) => reject(new Error(`The parent exited early (${code})`)));
      });
      assert.ok(isAlive(worker));
      parent.kill('SIGKILL');
      await waitUntil(() => !isAlive(worker!));
    } finally {
      parent.kill('SIGKILL');
      killQuietly(worker);
    }
  });

  it('does not keep an idle parent alive', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', parentScript, 'idle'], { stdio: 'inherit' });
    const timer = setTimeout(() => parent.kill('SIGKILL'), 10_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      parent.once('exit', (...ended) => resolve(ended)),
    );
    clearTimeout(timer);
    assert.deepEqual([code, signal], [0, null]);
  });
});
