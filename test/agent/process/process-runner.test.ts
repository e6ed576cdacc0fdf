import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, describe, it } from 'node:test';
import { DirectRunner } from '../../../src/agent/process/direct-runner.ts';
import { ProcessError } from '../../../src/agent/process/process-error.ts';
import type { ProcessRunner } from '../../../src/agent/process/process-runner.ts';
import { WorkerRunner } from '../../../src/agent/process/worker-runner.ts';
import { isAlive, killQuietly } from './process-helpers.ts';

// One suite, every runner: what a caller sees must not depend on where the fork happens.
const runners: Array<[string, () => ProcessRunner & { close?(): Promise<void> }]> = [
  ['DirectRunner', () => new DirectRunner()],
  ['WorkerRunner', () => new WorkerRunner()],
];

for (const [name, make] of runners) {
  describe(`${name} runs programs`, () => {
    const runner = make();
    after(() => runner.close?.());

    it('with stdin, a working directory and an environment, and reports the exit status', async () => {
      const script = 'cat; echo "$(pwd) $GREETING"; echo warned >&2; exit 3';
      const result = await runner.run('sh', ['-c', script], {
        input: 'piped\n',
        cwd: tmpdir(),
        env: { GREETING: 'hello', PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      assert.equal(result.exitCode, 3);
      assert.equal(result.signal, null);
      assert.equal(result.stdout, `piped\n${tmpdir()} hello\n`);
      assert.equal(result.stderr, 'warned\n');
      assert.ok(result.pid > 0);
    });

    it('passes bytes through stdin untouched', async () => {
      const bytes = Uint8Array.from([0, 1, 2, 0xfe, 0xff, 10, 0x41]);
      const result = await runner.run('od', ['-An', '-tx1'], { input: bytes });
      assert.equal(result.stdout.trim().replace(/\s+/g, ' '), '00 01 02 fe ff 0a 41');
    });

    it('keeps at most maxOutputBytes of each stream and still reads the rest', async () => {
      const result = await runner.run(
        'sh',
        ['-c', 'head -c 300000 /dev/zero | tr "\\0" a; head -c 5000 /dev/zero >&2'],
        {
          maxOutputBytes: 1000,
        },
      );
      assert.equal(result.exitCode, 0);
      assert.equal(result.stdout, 'a'.repeat(1000));
      assert.equal(result.stderr.length, 1000);
    });

    it('returns large and multi-byte output whole', async () => {
      const script = 'head -c 5000000 /dev/zero | tr "\\0" a; printf "h\\303\\251llo \\342\\234\\223"';
      const big = await runner.run('sh', ['-c', script]);
      assert.equal(big.stdout.length, 5_000_000 + 'héllo ✓'.length);
      assert.ok(big.stdout.endsWith('aaahéllo ✓'));
    });

    it('reports a program killed by a signal', async () => {
      const result = await runner.run('sh', ['-c', 'kill -TERM $$']);
      assert.equal(result.exitCode, null);
      assert.equal(result.signal, 'SIGTERM');
    });

    it('rejects with SpawnFailed when the program or its directory does not exist', async () => {
      await assert.rejects(runner.run('/nonexistent/neargate-tool', []), (error: unknown) => {
        assert.ok(error instanceof ProcessError);
        assert.equal(error.code, 'SpawnFailed');
        assert.equal(error.errno, 'ENOENT');
        assert.equal(error.file, '/nonexistent/neargate-tool');
        return true;
      });
      await assert.rejects(runner.run('true', [], { cwd: '/nonexistent/dir' }), { code: 'SpawnFailed' });
    });

    it('kills the program on abort and rejects with the reason once it is gone', async () => {
      let pid = 0;
      const controller = new AbortController();
      const running = runner.run('sleep', ['30'], {
        onSpawn: (spawned) => {
          pid = spawned;
          controller.abort(new Error('Shutting down'));
        },
        signal: controller.signal,
      });
      await assert.rejects(running, { message: 'Shutting down' });
      assert.ok(pid > 0);
      assert.equal(isAlive(pid), false);
      await assert.rejects(runner.run('true', [], { signal: AbortSignal.abort() }), { name: 'AbortError' });
    });

    it('runs many programs at once, each with its own output', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => runner.run('sh', ['-c', `sleep 0.0${i % 10}; echo ${i}`])),
      );
      assert.deepEqual(
        results.map((result) => result.stdout),
        results.map((_, i) => `${i}\n`),
      );
      assert.equal(new Set(results.map((result) => result.pid)).size, 100);
    });

    it('returns the first line of a sync pipe without waiting for what the program daemonised', async () => {
      // Like conmon: a daemon keeps stderr and the sync pipe open long after the report.
      const script = 'sleep 30 & echo "{\\"data\\": $!, \\"session\\": $(cut -d" " -f6 /proc/$$/stat)}" >&3';
      const started = performance.now();
      const result = await runner.run('sh', ['-c', script], { detached: true, syncPipeFd: 3 });
      const report = JSON.parse(result.syncLine ?? 'null') as { data: number; session: number };
      try {
        assert.ok(performance.now() - started < 5_000);
        assert.equal(result.exitCode, 0);
        // Detached: a session of its own, so a signal to ours never reaches it.
        assert.equal(report.session, result.pid);
        assert.notEqual(report.session, sessionOf(process.pid));
        assert.ok(isAlive(report.data));
      } finally {
        killQuietly(report.data);
      }
      const silent = await runner.run('sh', ['-c', 'echo no report >&2; exit 1'], { syncPipeFd: 3 });
      assert.deepEqual([silent.exitCode, silent.syncLine, silent.stderr], [1, null, 'no report\n']);
    });

    it('holds the program on its start pipe until beforeStart is done', async () => {
      const order: string[] = [];
      const result = await runner.run('sh', ['-c', 'read go <&4; echo "released with $go" >&3'], {
        syncPipeFd: 3,
        startPipe: {
          fd: 4,
          beforeStart: async (pid) => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            order.push(`before ${isAlive(pid)}`);
          },
        },
      });
      assert.deepEqual(order, ['before true']);
      assert.equal(result.syncLine, 'released with 0');
      let pid = 0;
      const refused = runner.run('sh', ['-c', 'read go <&4; echo "ran anyway" >&3'], {
        syncPipeFd: 3,
        startPipe: {
          fd: 4,
          beforeStart: async (spawned) => {
            pid = spawned;
            throw new Error('No cgroup for it');
          },
        },
      });
      await assert.rejects(refused, { message: 'No cgroup for it' });
      assert.equal(isAlive(pid), false);
    });
  });
}

// Field 6 of /proc/<pid>/stat; the command name before it is in parentheses.
function sessionOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[3]);
}
