import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { TaskRecord } from '../../src/core/ecs/task.ts';
import { getAccessKey, putAccessKey } from '../../src/store/access-keys.ts';
import { listSettings, putSetting } from '../../src/store/account-settings.ts';
import { getCluster, listClusters, putCluster } from '../../src/store/clusters.ts';
import { openStore, type Store, type StoreLocation } from '../../src/store/store.ts';
import { deleteTags, getTags, putTags } from '../../src/store/tags.ts';
import {
  insertTaskDefinition,
  listFamilies,
  listTaskDefinitionKeys,
  nextRevision,
  updateTaskDefinition,
} from '../../src/store/task-definitions.ts';
import { getTask, getTasks, insertTask, taskKeysOfService, updateTask } from '../../src/store/tasks.ts';

const scope = { account: '000000000000', region: 'us-east-1' };
const cluster = (name: string, createdAt = 1) => ({
  name,
  status: 'ACTIVE' as const,
  config: { settings: [], capacityProviders: [], defaultCapacityProviderStrategy: [] },
  createdAt,
  updatedAt: createdAt,
});

/** One place per dialect: a fresh SQLite file, and a fresh PostgreSQL database when a server is there. */
interface Place {
  location: StoreLocation;
  drop(): Promise<void>;
}

async function sqlitePlace(): Promise<Place> {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-store-'));
  return {
    location: { sqliteFile: join(dir, 'test.db') },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

async function postgresPlace(adminUrl: string): Promise<Place> {
  const name = `neargate_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    location: { postgresUrl: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      // pool.end() resolves before its connections are gone: let them go before forcing the rest.
      for (let i = 0; i < 50; i++) {
        const { rows } = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [
          name,
        ]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const dialects: [string, () => Promise<Place>, string | false][] = [
  ['sqlite', sqlitePlace, false],
  [
    'postgres',
    () => postgresPlace(process.env.NEARGATE_TEST_POSTGRES_URL!),
    process.env.NEARGATE_TEST_POSTGRES_URL
      ? false
      : 'needs a PostgreSQL server: set NEARGATE_TEST_POSTGRES_URL (npm test does)',
  ],
];

for (const [dialect, makePlace, skip] of dialects) {
  describe(`store on ${dialect}`, { skip }, () => {
    let place: Place;
    let store: Store;
    before(async () => {
      place = await makePlace();
      store = await openStore(place.location);
    });
    after(async () => {
      await store?.close();
      await place?.drop();
    });

    test('migrations run once; opening again is harmless', async () => {
      const again = await openStore(place.location);
      await again.close();
      assert.equal(store.dialect, dialect);
    });

    test('clusters list in bytewise name order, with keyset pages', async () => {
      for (const n of ['b', 'B', 'a', '_x', 'A-1']) await putCluster(store.db, scope, cluster(n));
      await putCluster(store.db, { ...scope, region: 'eu-west-1' }, cluster('elsewhere'));
      const all = await listClusters(store.db, scope, { limit: 100 });
      assert.deepEqual(
        all.map((c) => c.name),
        ['A-1', 'B', '_x', 'a', 'b'],
      );
      const page = await listClusters(store.db, scope, { after: 'B', limit: 2 });
      assert.deepEqual(
        page.map((c) => c.name),
        ['_x', 'a'],
      );
      await putCluster(store.db, scope, { ...cluster('b', 5), status: 'INACTIVE' });
      assert.equal((await getCluster(store.db, scope, 'b'))?.status, 'INACTIVE');
      assert.deepEqual(
        (await listClusters(store.db, scope, { limit: 100 })).map((c) => c.name),
        ['A-1', 'B', '_x', 'a'],
      );
    });

    test('a failed transaction leaves nothing behind', async () => {
      await assert.rejects(
        store.write(async (tx) => {
          await putCluster(tx, scope, cluster('doomed'));
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await getCluster(store.db, scope, 'doomed'), undefined);
    });

    test('concurrent registrations get distinct revisions', async () => {
      const revisions = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.write(async (tx) => {
            const revision = await nextRevision(tx, scope, 'race');
            await insertTaskDefinition(tx, scope, {
              family: 'race',
              revision,
              status: 'ACTIVE',
              doc: {},
              registeredAt: 1,
            });
            return revision;
          }),
        ),
      );
      assert.deepEqual(
        [...revisions].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    test('task definition keys page in both orders, and families know their status', async () => {
      for (const [family, revision] of [
        ['f-a', 1],
        ['f-a', 2],
        ['f-b', 1],
      ] as const) {
        await insertTaskDefinition(store.db, scope, {
          family,
          revision,
          status: 'ACTIVE',
          doc: { family },
          registeredAt: 1,
        });
      }
      await updateTaskDefinition(store.db, scope, {
        family: 'f-b',
        revision: 1,
        status: 'INACTIVE',
        doc: {},
        registeredAt: 1,
      });
      const asc = await listTaskDefinitionKeys(store.db, scope, {
        familyPrefix: 'f-',
        status: 'ACTIVE',
        order: 'asc',
        limit: 10,
      });
      assert.deepEqual(
        asc.map((k) => `${k.family}:${k.revision}`),
        ['f-a:1', 'f-a:2'],
      );
      const desc = await listTaskDefinitionKeys(store.db, scope, {
        familyPrefix: 'f-',
        status: 'ACTIVE',
        order: 'desc',
        after: { family: 'f-a', revision: 2 },
        limit: 10,
      });
      assert.deepEqual(
        desc.map((k) => `${k.family}:${k.revision}`),
        ['f-a:1'],
      );
      assert.deepEqual(
        await listFamilies(store.db, scope, { familyPrefix: 'f-', status: 'INACTIVE', limit: 10 }),
        ['f-b'],
      );
      assert.deepEqual(
        await listFamilies(store.db, scope, { familyPrefix: 'f-', status: 'ALL', limit: 10 }),
        ['f-a', 'f-b'],
      );
      assert.deepEqual(
        await listFamilies(store.db, scope, { familyPrefix: 'F-', status: 'ALL', limit: 10 }),
        [],
        'prefixes are case-sensitive',
      );
    });

    test('a task written from a stale read is refused: optimistic concurrency on its version', async () => {
      const task = {
        id: 'f'.repeat(32),
        cluster: 'default',
        family: 'f',
        revision: 1,
        lastStatus: 'PROVISIONING' as const,
        desiredStatus: 'RUNNING' as const,
        startedBy: undefined,
        group: 'family:f',
        serviceName: undefined,
        launchType: 'FARGATE',
        host: 'local',
        createdAt: 1,
        stoppedAt: undefined,
        version: 1,
        doc: { version: 1 },
        plan: { cpuUnits: 256, memoryMiB: 512 } as never,
      };
      await insertTask(store.db, scope, task);
      const first = await updateTask(store.db, scope, { ...task, lastStatus: 'PENDING' });
      assert.equal(first?.version, 2);
      assert.equal(
        await updateTask(store.db, scope, { ...task, desiredStatus: 'STOPPED' }),
        undefined,
        'a stale write loses',
      );
      const now = await getTask(store.db, scope, task.id);
      assert.equal(now?.lastStatus, 'PENDING');
      assert.equal(now?.desiredStatus, 'RUNNING');
      assert.equal(now?.version, 2);
      assert.equal(now?.doc.version, 2);
      assert.equal((await updateTask(store.db, scope, { ...now!, desiredStatus: 'STOPPED' }))?.version, 3);
    });

    test("a service's task keys: those not STOPPED and those stopped since a time, oldest first; tasks read by id", async () => {
      const task = (n: number, over: Partial<TaskRecord>): TaskRecord => ({
        id: String(n).repeat(32),
        cluster: 'keys',
        family: 'f',
        revision: 1,
        lastStatus: 'RUNNING' as const,
        desiredStatus: 'RUNNING' as const,
        startedBy: 'ecs-svc/1',
        group: 'service:web',
        serviceName: 'web',
        launchType: 'FARGATE',
        host: 'local',
        createdAt: 100 + n,
        stoppedAt: undefined,
        version: 1,
        doc: { version: 1, lastStatus: over.lastStatus ?? 'RUNNING' } as never,
        plan: { cpuUnits: 256, memoryMiB: 512 } as never,
        ...over,
      });
      await insertTask(
        store.db,
        scope,
        task(5, { startedBy: undefined, desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING' }),
      );
      await insertTask(store.db, scope, task(1, {}));
      await insertTask(
        store.db,
        scope,
        task(2, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: 50 }),
      );
      await insertTask(
        store.db,
        scope,
        task(3, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: 500 }),
      );
      await insertTask(store.db, scope, task(4, { serviceName: 'other' }));
      await insertTask(store.db, { ...scope, region: 'eu-west-1' }, task(6, {}));
      assert.deepEqual(await taskKeysOfService(store.db, scope, 'keys', 'web', 100), [
        { id: '1'.repeat(32), startedBy: 'ecs-svc/1', lastStatus: 'RUNNING', desiredStatus: 'RUNNING' },
        { id: '3'.repeat(32), startedBy: 'ecs-svc/1', lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
        { id: '5'.repeat(32), startedBy: undefined, lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED' },
      ]);
      assert.deepEqual(
        (await taskKeysOfService(store.db, scope, 'keys', 'web')).map((k) => k.id),
        ['1'.repeat(32), '5'.repeat(32)],
        'without a time, only those not STOPPED',
      );
      const read = await getTasks(store.db, scope, ['5'.repeat(32), '6'.repeat(32), '3'.repeat(32), 'x']);
      assert.deepEqual(
        read.map((t) => [t.id, t.doc.lastStatus]),
        [
          ['3'.repeat(32), 'STOPPED'],
          ['5'.repeat(32), 'DEACTIVATING'],
        ],
        'oldest first, only the scope asked, unknown ids left out',
      );
      assert.deepEqual(await getTasks(store.db, scope, []), []);
    });

    test('tags upsert and delete by key', async () => {
      await putTags(store.db, 'arn:x', [
        { key: 'b', value: '1' },
        { key: 'a', value: '2' },
      ]);
      await putTags(store.db, 'arn:x', [{ key: 'b', value: '3' }]);
      assert.deepEqual(await getTags(store.db, 'arn:x'), [
        { key: 'a', value: '2' },
        { key: 'b', value: '3' },
      ]);
      await deleteTags(store.db, 'arn:x', ['a']);
      assert.deepEqual(await getTags(store.db, 'arn:x'), [{ key: 'b', value: '3' }]);
    });

    test('account settings and access keys round-trip, timestamps stay numbers', async () => {
      await putSetting(store.db, scope, { name: 'containerInsights', value: 'enabled', principalArn: 'p' });
      await putSetting(store.db, scope, { name: 'containerInsights', value: 'disabled', principalArn: 'p' });
      assert.deepEqual(await listSettings(store.db, scope, ['p']), [
        { name: 'containerInsights', value: 'disabled', principalArn: 'p' },
      ]);
      const key = {
        accessKeyId: 'AKIA1',
        secretAccessKey: 's',
        account: scope.account,
        principalArn: 'root',
      };
      await putAccessKey(store.db, key, 1_790_000_000_123);
      assert.deepEqual(await getAccessKey(store.db, 'AKIA1'), key);
      const c = cluster('stamp', 1_790_000_000_123);
      await putCluster(store.db, scope, c);
      assert.strictEqual((await getCluster(store.db, scope, 'stamp'))?.createdAt, 1_790_000_000_123);
    });
  });
}
