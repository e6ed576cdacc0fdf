import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { Janitor } from '../../src/control/janitor.ts';
import { openStore } from '../../src/store/store.ts';
import { getTags, putTags } from '../../src/store/tags.ts';
import { getTaskCredentialsByKey, insertTaskCredentials } from '../../src/store/task-credentials.ts';
import { getTaskDefinition, insertTaskDefinition } from '../../src/store/task-definitions.ts';
import { getTask, insertTask } from '../../src/store/tasks.ts';
import { valueCipher } from '../../src/store/value-cipher.ts';

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

test('expired task role credentials are known a day (to be refused as expired), then forgotten; those of stopped tasks go', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-janitor-'));
  const store = await openStore({ sqliteFile: join(dir, 'db') });
  const cipher = valueCipher(randomBytes(32));
  let now = 100 * HOUR;
  const janitor = new Janitor({ store, clock: { now: () => now }, log: pino({ level: 'silent' }) });
  const creds = (accessKeyId: string, expiresAt: number, taskId = 'a'.repeat(32)) => ({
    accessKeyId,
    secretAccessKey: 'secret',
    sessionToken: 'token',
    taskId,
    credentialsId: 'c',
    account: scope.account,
    roleArn: 'arn:aws:iam::000000000000:role/r',
    principalArn: `arn:aws:sts::000000000000:assumed-role/r/${'a'.repeat(32)}`,
    issuedAt: expiresAt - 6 * HOUR,
    expiresAt,
  });
  const running = {
    id: 'a'.repeat(32),
    cluster: 'default',
    family: 'f',
    revision: 1,
    lastStatus: 'RUNNING' as const,
    desiredStatus: 'RUNNING' as const,
    startedBy: undefined,
    group: 'family:f',
    serviceName: undefined,
    launchType: 'FARGATE',
    host: 'local',
    createdAt: 0,
    stoppedAt: undefined,
    version: 1,
    doc: {},
    plan: { cpuUnits: 256, memoryMiB: 512 } as never,
  };
  try {
    await insertTask(store.db, scope, running);
    await insertTask(store.db, scope, {
      ...running,
      id: 'b'.repeat(32),
      lastStatus: 'STOPPED',
      stoppedAt: now,
    });
    await insertTaskCredentials(store.db, cipher, creds('ASIASTOPPED', now + HOUR, 'b'.repeat(32)));
    await insertTaskCredentials(store.db, cipher, creds('ASIAGONE', now + HOUR, 'c'.repeat(32)));
    await insertTaskCredentials(store.db, cipher, creds('ASIAOLD', now - 25 * HOUR));
    await insertTaskCredentials(store.db, cipher, creds('ASIARECENT', now - HOUR));
    await insertTaskCredentials(store.db, cipher, creds('ASIACURRENT', now + HOUR));
    await janitor.tick();
    assert.equal(await getTaskCredentialsByKey(store.db, cipher, 'ASIASTOPPED'), undefined);
    assert.equal(await getTaskCredentialsByKey(store.db, cipher, 'ASIAGONE'), undefined);
    assert.equal(await getTaskCredentialsByKey(store.db, cipher, 'ASIAOLD'), undefined);
    assert.ok(await getTaskCredentialsByKey(store.db, cipher, 'ASIARECENT'));
    assert.ok(await getTaskCredentialsByKey(store.db, cipher, 'ASIACURRENT'));
    now += 24 * HOUR;
    await janitor.tick();
    assert.equal(await getTaskCredentialsByKey(store.db, cipher, 'ASIARECENT'), undefined);
    assert.ok(await getTaskCredentialsByKey(store.db, cipher, 'ASIACURRENT'));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
