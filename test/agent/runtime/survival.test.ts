import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isConmonAlive } from '../../../src/agent/runtime/conmon-alive.ts';
import { type ContainerExit, ContainerRuntime } from '../../../src/agent/runtime/container-runtime.ts';
import { RuntimeFixture } from './runtime-fixture.ts';

const script = fileURLToPath(new URL('./start-container-and-hang.ts', import.meta.url));

describe('a container outlives the server that started it', () => {
  let fx: RuntimeFixture;
  before(async () => {
    fx = await RuntimeFixture.create('surv');
  });
  after(async () => {
    await fx.cleanup();
  });

  test('SIGKILL of the server process group leaves the container running, and its exit is recorded', async () => {
    const id = fx.id('survivor');
    const specFile = join(fx.dir, 'survivor.json');
    const spec = await fx.spec(id, { args: ['sh', '-c', 'echo up; sleep 1.5; echo still here; exit 7'] });
    await writeFile(specFile, JSON.stringify(spec));
    const server = spawn(
      process.execPath,
      ['--import', 'tsx', script, join(fx.dir, 'state'), id, specFile, fx.logPath(id), fx.dir],
      { detached: true, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve());
        server.once('exit', (code) => reject(new Error(`The server exited early (${code})`)));
      });
    } finally {
      // The whole process group, as a terminal's Ctrl-C or a crash of the unit would.
      process.kill(-server.pid!, 'SIGKILL');
    }
    await exited;

    const runtime = new ContainerRuntime({ stateDir: join(fx.dir, 'state') });
    const running = await runtime.inspect(id);
    assert.equal(running.status, 'running');
    assert.ok(running.pid && running.startedAt);
    const conmonPid = Number(await readFile(join(fx.dir, 'state/containers', id, 'conmon.pid'), 'utf8'));
    assert.ok(await isConmonAlive(conmonPid, id));
    assert.ok((await runtime.list()).some((info) => info.id === id && info.status === 'running'));

    const controller = new AbortController();
    const exits: ContainerExit[] = [];
    const watching = runtime.watchExits((exit) => exits.push(exit), { signal: controller.signal });
    try {
      const stopped = await fx.waitFor(id, 'stopped');
      assert.equal(stopped.exitCode, 7);
      assert.deepEqual(await fx.logLines(id), ['stdout up', 'stdout still here']);
      await waitUntil(() => exits.length > 0);
      assert.deepEqual(
        exits.map((exit) => [exit.id, exit.exitCode, exit.oomKilled]),
        [[id, 7, false]],
      );
    } finally {
      controller.abort();
      await watching;
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('Timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
