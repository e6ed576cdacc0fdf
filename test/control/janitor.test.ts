import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { Janitor } from '../../src/control/janitor.ts';
import { openStore } from '../../src/store/store.ts';
import { getTags, putTags } from '../../src/store/tags.ts';
import { getTaskDefinition, insertTaskDefinition } from '../../src/store/task-definitions.ts';
import { getTask, insertTask } from '../../src/store/tasks.ts';

const scope = { account: '000000000000', region: 'us-east-1' };
const HOUR = 3_600_000;

test('STOPPED tasks stay an hour; deleted task definitions go once no task uses them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-janitor-'));
  const store = await openStore({ sqliteFile: join(dir, 'db') });
  let now = 10 * HOUR;
  const janitor = new Janitor({ store, clock: { now: () => now }, log: pino({ level: 'silent' }) });
  const task = (
    id: string,
    lastStatus: 'STOPPED' | 'RUNNING',
    stoppedAt: number | undefined,
    revision = 1,
  ) => ({
    id: id.repeat(32),
    cluster: 'default',
    family: 'f',
    revision,
    lastStatus,
    desiredStatus: lastStatus,
    startedBy: undefined,
    group: 'family:f',
    serviceName: undefined,
    launchType: 'FARGATE',
    host: 'local',
    createdAt: 0,
    stoppedAt,
    version: 1,
    doc: {},
    plan: { cpuUnits: 256, memoryMiB: 512 } as never,
  });
  try {
    await insertTask(store.db, scope, task('a', 'STOPPED', now - HOUR - 1));
    await insertTask(store.db, scope, task('b', 'STOPPED', now - HOUR + 60_000));
    await insertTask(store.db, scope, task('c', 'RUNNING', undefined, 2));
    await putTags(store.db, `arn:aws:ecs:us-east-1:000000000000:task/default/${'a'.repeat(32)}`, [
      { key: 'k', value: 'v' },
    ]);
    for (const revision of [1, 2]) {
      await insertTaskDefinition(store.db, scope, {
        family: 'f',
        revision,
        status: 'DELETE_IN_PROGRESS',
        doc: {},
        registeredAt: 0,
      });
    }
    await janitor.tick();
    assert.equal(
      await getTask(store.db, scope, 'a'.repeat(32)),
      undefined,
      'stopped over an hour ago: forgotten',
    );
    assert.ok(await getTask(store.db, scope, 'b'.repeat(32)), 'stopped under an hour ago: kept');
    assert.deepEqual(
      await getTags(store.db, `arn:aws:ecs:us-east-1:000000000000:task/default/${'a'.repeat(32)}`),
      [],
    );
    assert.equal(
      await getTaskDefinition(store.db, scope, 'f', 1),
      undefined,
      'revision 1 is used by no task',
    );
    assert.ok(await getTaskDefinition(store.db, scope, 'f', 2), 'revision 2 is used by a running task');
    now += HOUR;
    await janitor.tick();
    assert.equal(await getTask(store.db, scope, 'b'.repeat(32)), undefined);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
