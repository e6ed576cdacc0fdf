import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deleteLogCursors, getLogCursor, putLogCursor } from '../../src/store/log-cursors.ts';
import { deleteEventsBefore, readGroupEvents, readStreamEvents } from '../../src/store/log-events.ts';
import { findLogGroup, insertLogGroup } from '../../src/store/log-groups.ts';
import { appendLogEvents } from '../../src/store/log-ingest.ts';
import { findLogStream, insertLogStream, listLogStreams } from '../../src/store/log-streams.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { storePlaces } from '../secrets/dialects.ts';

const scope = { account: '000000000000', region: 'us-east-1' };

for (const place of storePlaces('logs_store')) {
  describe(`log store on ${place.dialect}`, { skip: place.skip }, () => {
    let store: Store;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'neargate-logs-store-'));
      const url = await place.databaseUrl();
      store = await openStore(url ? { postgresUrl: url } : { sqliteFile: join(dir, 'store.db') });
    });
    after(async () => {
      await store?.close();
      await place.drop();
      await rm(dir, { recursive: true, force: true });
    });

    test('events read back by time then storing order, per stream and across a group', async () => {
      const groupId = await store.write((tx) =>
        insertLogGroup(tx, {
          account: scope.account,
          region: scope.region,
          name: 'g',
          createdAt: 1,
          retentionDays: undefined,
          kmsKeyId: undefined,
          logGroupClass: 'STANDARD',
          deletionProtection: false,
        }),
      );
      const a = await store.write((tx) => insertLogStream(tx, { groupId, name: 'a', createdAt: 1 }));
      const b = await store.write((tx) => insertLogStream(tx, { groupId, name: 'b', createdAt: 1 }));
      await store.write(async (tx) => {
        await appendLogEvents(
          tx,
          { groupId, streamId: a },
          [
            { timestamp: 10, message: 'a10' },
            { timestamp: 30, message: 'a30' },
          ],
          100,
        );
        await appendLogEvents(
          tx,
          { groupId, streamId: b },
          [
            { timestamp: 20, message: 'b20' },
            { timestamp: 30, message: 'b30' },
          ],
          101,
        );
        // An older event stored later still reads in time order.
        await appendLogEvents(tx, { groupId, streamId: a }, [{ timestamp: 5, message: 'a5 é' }], 102);
      });
      const streamA = await readStreamEvents(store.db, a, { forward: true, limit: 10 });
      assert.deepEqual(
        streamA.map((e) => e.message),
        ['a5 é', 'a10', 'a30'],
      );
      const back = await readStreamEvents(store.db, a, { forward: false, limit: 2 });
      assert.deepEqual(
        back.map((e) => e.message),
        ['a30', 'a10'],
      );
      const group = await readGroupEvents(store.db, groupId, { limit: 10 });
      assert.deepEqual(
        group.map((e) => e.message),
        ['a5 é', 'a10', 'b20', 'a30', 'b30'],
      );
      const after20 = await readGroupEvents(store.db, groupId, {
        after: { timestamp: group[2]!.timestamp, id: group[2]!.id },
        limit: 10,
      });
      assert.deepEqual(
        after20.map((e) => e.message),
        ['a30', 'b30'],
      );
      const onlyB = await readGroupEvents(store.db, groupId, { streamIds: [b], startTime: 25, limit: 10 });
      assert.deepEqual(
        onlyB.map((e) => e.message),
        ['b30'],
      );

      const g = await findLogGroup(store.db, scope, 'g');
      assert.equal(g?.storedBytes, 'a10a30b20b30'.length + Buffer.byteLength('a5 é'));
      const sa = await findLogStream(store.db, groupId, 'a');
      assert.equal(sa?.firstEventAt, 5);
      assert.equal(sa?.lastEventAt, 30);
      assert.equal(sa?.lastIngestionAt, 102);
      const byLast = await listLogStreams(store.db, groupId, {
        order: { by: 'lastEvent' },
        descending: false,
        limit: 10,
      });
      assert.deepEqual(
        byLast.map((s) => s.name),
        ['a', 'b'],
      );

      const gone = await store.write((tx) => deleteEventsBefore(tx, groupId, 20));
      assert.deepEqual(gone, { events: 2, bytes: 3 + Buffer.byteLength('a5 é') });
      assert.deepEqual(
        (await readGroupEvents(store.db, groupId, { limit: 10 })).map((e) => e.message),
        ['b20', 'a30', 'b30'],
      );
    });

    test('shipping cursors are written and read back, and forgotten with their task', async () => {
      const taskId = '0123456789abcdef0123456789abcdef';
      assert.equal(await getLogCursor(store.db, taskId, 'app'), undefined);
      await store.write((tx) =>
        putLogCursor(tx, { taskId, container: 'app', fileId: '1:2', offset: 10, droppedBytes: 0 }, 1),
      );
      await store.write((tx) =>
        putLogCursor(tx, { taskId, container: 'app', fileId: '1:2', offset: 99, droppedBytes: 5 }, 2),
      );
      assert.deepEqual(await getLogCursor(store.db, taskId, 'app'), {
        taskId,
        container: 'app',
        fileId: '1:2',
        offset: 99,
        droppedBytes: 5,
      });
      await store.write((tx) => deleteLogCursors(tx, taskId));
      assert.equal(await getLogCursor(store.db, taskId, 'app'), undefined);
    });
  });
}
