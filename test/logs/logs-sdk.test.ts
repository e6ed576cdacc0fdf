import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { storePlaces } from '../secrets/dialects.ts';
import { logsClient } from '../support/aws-clients.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

const DAY = 86_400_000;

/** Rejects with the AWS error `name` and a message matching `message`. */
async function refused(p: Promise<unknown>, name: string, message?: string | RegExp) {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

for (const place of storePlaces('logs_sdk')) {
  describe(`CloudWatch Logs through the SDK, stored in ${place.dialect}`, { skip: place.skip }, () => {
    let ng: TestNeargate;
    let logs: CloudWatchLogsClient;
    before(async () => {
      const databaseUrl = await place.databaseUrl();
      ng = await startTestNeargate(databaseUrl ? { databaseUrl } : {});
      logs = logsClient(ng);
    });
    after(async () => {
      await ng?.stop();
      await place.drop();
    });

    const put = (group: string, stream: string, events: { timestamp: number; message: string }[]) =>
      logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));

    test('groups: create, describe (prefix, pattern, pages), duplicates and deletion as AWS answers', async () => {
      for (const name of ['/app/a', '/app/b', '/app/c', '/other']) {
        await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
      }
      await refused(
        logs.send(new CreateLogGroupCommand({ logGroupName: '/app/a' })),
        'ResourceAlreadyExistsException',
        'The specified log group already exists',
      );
      await refused(
        logs.send(new CreateLogGroupCommand({ logGroupName: 'bad:name' })),
        'InvalidParameterException',
        /^1 validation error detected: Value 'bad:name' at 'logGroupName' failed to satisfy constraint/,
      );
      const page1 = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/', limit: 2 }));
      assert.deepEqual(
        page1.logGroups?.map((g) => g.logGroupName),
        ['/app/a', '/app/b'],
      );
      const page2 = await logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/', limit: 2, nextToken: page1.nextToken }),
      );
      assert.deepEqual(
        page2.logGroups?.map((g) => g.logGroupName),
        ['/app/c'],
      );
      assert.equal(page2.nextToken, undefined);
      const g = page1.logGroups![0]!;
      assert.equal(g.arn, `arn:aws:logs:${ng.region}:000000000000:log-group:/app/a:*`);
      assert.equal(g.logGroupArn, `arn:aws:logs:${ng.region}:000000000000:log-group:/app/a`);
      assert.equal(g.storedBytes, 0);
      assert.equal(g.logGroupClass, 'STANDARD');
      const pattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'ther' }));
      assert.deepEqual(
        pattern.logGroups?.map((x) => x.logGroupName),
        ['/other'],
      );
      await refused(
        logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/a', logGroupNamePattern: 'x' })),
        'InvalidParameterException',
      );
      await logs.send(new DeleteLogGroupCommand({ logGroupName: '/other' }));
      await refused(
        logs.send(new DeleteLogGroupCommand({ logGroupName: '/other' })),
        'ResourceNotFoundException',
        'The specified log group does not exist.',
      );
    });

    test('streams: create, describe by name or last event time, delete', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'streams' }));
      for (const s of ['s1', 's2', 's3'])
        await logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: s }));
      await refused(
        logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 's1' })),
        'ResourceAlreadyExistsException',
        'The specified log stream already exists',
      );
      await refused(
        logs.send(new CreateLogStreamCommand({ logGroupName: 'nope', logStreamName: 's1' })),
        'ResourceNotFoundException',
        'The specified log group does not exist.',
      );
      const now = Date.now();
      await put('streams', 's2', [{ timestamp: now - 1000, message: 'old' }]);
      await put('streams', 's1', [{ timestamp: now, message: 'new' }]);
      const byTime = await logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: 'streams',
          orderBy: 'LastEventTime',
          descending: true,
        }),
      );
      assert.deepEqual(
        byTime.logStreams?.map((s) => s.logStreamName),
        ['s1', 's2', 's3'],
      );
      const s1 = byTime.logStreams![0]!;
      assert.equal(s1.firstEventTimestamp, now);
      assert.equal(s1.lastEventTimestamp, now);
      assert.ok(s1.lastIngestionTime! >= now - 5000);
      assert.equal(s1.storedBytes, 0, 'AWS reports 0 for streams since 2019');
      const paged = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', limit: 2 }));
      const rest = await logs.send(
        new DescribeLogStreamsCommand({ logGroupName: 'streams', limit: 2, nextToken: paged.nextToken }),
      );
      assert.deepEqual(
        [...paged.logStreams!, ...rest.logStreams!].map((s) => s.logStreamName),
        ['s1', 's2', 's3'],
      );
      await refused(
        logs.send(
          new DescribeLogStreamsCommand({
            logGroupName: 'streams',
            orderBy: 'LastEventTime',
            logStreamNamePrefix: 's',
          }),
        ),
        'InvalidParameterException',
        'Cannot order by LastEventTime with a logStreamNamePrefix.',
      );
      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'streams' }));
      assert.equal(groups.logGroups![0]!.storedBytes, 6, 'storedBytes counts the UTF-8 bytes stored');
      await logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 's1' }));
      await refused(
        logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 's1' })),
        'ResourceNotFoundException',
        'The specified log stream does not exist.',
      );
      const after = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'streams' }));
      assert.equal(after.logGroups![0]!.storedBytes, 3);
    });

    test('PutLogEvents: sequence tokens ignored, batches refused or events set aside as AWS does', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'put' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'put', logStreamName: 's' }));
      const now = Date.now();
      const first = await logs.send(
        new PutLogEventsCommand({
          logGroupName: 'put',
          logStreamName: 's',
          sequenceToken: 'whatever',
          logEvents: [{ timestamp: now, message: 'a' }],
        }),
      );
      assert.ok(first.nextSequenceToken);
      assert.equal(first.rejectedLogEventsInfo, undefined);
      const mixed = await put('put', 's', [
        { timestamp: now - 15 * DAY, message: 'too old' },
        { timestamp: now, message: 'ok' },
        { timestamp: now + 3 * 3_600_000, message: 'too new' },
      ]);
      assert.deepEqual(mixed.rejectedLogEventsInfo, {
        tooOldLogEventEndIndex: 1,
        tooNewLogEventStartIndex: 2,
      });
      await refused(
        put('put', 's', [
          { timestamp: now, message: 'b' },
          { timestamp: now - 1, message: 'a' },
        ]),
        'InvalidParameterException',
        'Log events in a single PutLogEvents request must be in chronological order.',
      );
      await refused(
        put('put', 's', [
          { timestamp: now - 2 * DAY, message: 'a' },
          { timestamp: now, message: 'b' },
        ]),
        'InvalidParameterException',
        'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      );
      const big = 'x'.repeat(600_000);
      await refused(
        put('put', 's', [
          { timestamp: now, message: big },
          { timestamp: now, message: big },
        ]),
        'InvalidParameterException',
        'Upload too large: 1200052 bytes exceeds limit of 1048576',
      );
      await refused(
        put('put', 'missing', [{ timestamp: now, message: 'a' }]),
        'ResourceNotFoundException',
        'The specified log stream does not exist.',
      );
      await refused(
        put(
          'put',
          's',
          Array.from({ length: 10_001 }, () => ({ timestamp: now, message: 'a' })),
        ),
        'InvalidParameterException',
        /Member must have length less than or equal to 10000/,
      );
      const got = await logs.send(
        new GetLogEventsCommand({ logGroupName: 'put', logStreamName: 's', startFromHead: true }),
      );
      assert.deepEqual(
        got.events?.map((e) => e.message),
        ['a', 'ok'],
      );
    });

    test('GetLogEvents: newest page first, startFromHead, tokens both ways, the same token at the end', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'get' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'get', logStreamName: 's' }));
      const t0 = Date.now() - 60_000;
      await put(
        'get',
        's',
        Array.from({ length: 10 }, (_, i) => ({ timestamp: t0 + i * 1000, message: `e${i}` })),
      );
      const get = (extra: object) =>
        logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 's', ...extra }));
      const msgs = (r: { events?: { message?: string | undefined }[] | undefined }) =>
        r.events?.map((e) => e.message);

      const newest = await get({ limit: 3 });
      assert.deepEqual(msgs(newest), ['e7', 'e8', 'e9']);
      const older = await get({ limit: 3, nextToken: newest.nextBackwardToken });
      assert.deepEqual(msgs(older), ['e4', 'e5', 'e6']);
      const end = await get({ limit: 3, nextToken: newest.nextForwardToken });
      assert.deepEqual(msgs(end), []);
      assert.equal(end.nextForwardToken, newest.nextForwardToken, 'the same forward token at the end');

      const head = await get({ limit: 4, startFromHead: true });
      assert.deepEqual(msgs(head), ['e0', 'e1', 'e2', 'e3']);
      const nextPage = await get({ limit: 4, nextToken: head.nextForwardToken, startFromHead: true });
      assert.deepEqual(msgs(nextPage), ['e4', 'e5', 'e6', 'e7']);
      const start = await get({ limit: 4, nextToken: head.nextBackwardToken });
      assert.deepEqual(msgs(start), []);
      assert.equal(start.nextBackwardToken, head.nextBackwardToken, 'the same backward token at the start');

      // New events after the end show up with the token that was at the end.
      await put('get', 's', [{ timestamp: t0 + 20_000, message: 'later' }]);
      assert.deepEqual(msgs(await get({ nextToken: end.nextForwardToken })), ['later']);

      // startTime is inclusive, endTime exclusive.
      assert.deepEqual(msgs(await get({ startFromHead: true, startTime: t0 + 2000, endTime: t0 + 5000 })), [
        'e2',
        'e3',
        'e4',
      ]);
      await refused(get({ nextToken: 'f/nonsense' }), 'InvalidParameterException');
      await refused(
        get({ logStreamName: 'nope' }),
        'ResourceNotFoundException',
        'The specified log stream does not exist.',
      );
      await refused(
        logs.send(
          new GetLogEventsCommand({ logGroupIdentifier: 'get', logGroupName: 'get', logStreamName: 's' }),
        ),
        'InvalidParameterException',
      );
      const byArn = await logs.send(
        new GetLogEventsCommand({
          logGroupIdentifier: `arn:aws:logs:${ng.region}:000000000000:log-group:get`,
          logStreamName: 's',
          limit: 1,
        }),
      );
      assert.deepEqual(msgs(byArn), ['later']);
    });

    test('FilterLogEvents: interleaved in time, stream names or prefix, time range, patterns, pages, stable eventIds', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'filter' }));
      for (const s of ['web/1', 'web/2', 'db/1']) {
        await logs.send(new CreateLogStreamCommand({ logGroupName: 'filter', logStreamName: s }));
      }
      const t0 = Date.now() - 60_000;
      await put('filter', 'web/1', [
        { timestamp: t0, message: 'ERROR boom' },
        { timestamp: t0 + 2, message: '{"level":"error","latency":150}' },
      ]);
      await put('filter', 'web/2', [{ timestamp: t0 + 1, message: 'WARN slow' }]);
      await put('filter', 'db/1', [{ timestamp: t0 + 3, message: 'ERROR db' }]);
      const filter = (extra: object) =>
        logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', ...extra }));
      const all = await filter({});
      assert.deepEqual(
        all.events?.map((e) => [e.logStreamName, e.message]),
        [
          ['web/1', 'ERROR boom'],
          ['web/2', 'WARN slow'],
          ['web/1', '{"level":"error","latency":150}'],
          ['db/1', 'ERROR db'],
        ],
      );
      assert.ok(all.events!.every((e) => /^\d{56}$/.test(e.eventId!)));
      assert.deepEqual(
        (await filter({ filterPattern: 'ERROR' })).events?.map((e) => e.message),
        ['ERROR boom', 'ERROR db'],
      );
      assert.deepEqual(
        (await filter({ filterPattern: '?WARN ?db' })).events?.map((e) => e.message),
        ['WARN slow', 'ERROR db'],
      );
      assert.deepEqual(
        (await filter({ filterPattern: '{ $.level = "error" && $.latency > 100 }' })).events?.map(
          (e) => e.logStreamName,
        ),
        ['web/1'],
      );
      assert.deepEqual((await filter({ logStreamNamePrefix: 'web/' })).events?.length, 3);
      assert.deepEqual(
        (await filter({ logStreamNames: ['db/1', 'web/2'] })).events?.map((e) => e.message),
        ['WARN slow', 'ERROR db'],
      );
      assert.deepEqual(
        (await filter({ startTime: t0 + 1, endTime: t0 + 2 })).events?.length,
        2,
        'both ends inclusive',
      );
      await refused(filter({ logStreamNames: ['a'], logStreamNamePrefix: 'a' }), 'InvalidParameterException');
      await refused(
        filter({ filterPattern: 'user@example.com' }),
        'InvalidParameterException',
        /Invalid character\(s\) in term 'user@example.com'/,
      );

      const pages: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await filter({ limit: 1, nextToken });
        pages.push(...page.events!.map((e) => e.eventId!));
        nextToken = page.nextToken;
      } while (nextToken);
      assert.deepEqual(
        pages,
        all.events!.map((e) => e.eventId),
      );
      await refused(filter({ nextToken: 'bm90IG91cnM' }), 'InvalidParameterException');
    });

    test("retention: only AWS's periods, and the janitor removes expired events", async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'retained' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'retained', logStreamName: 's' }));
      const now = Date.now();
      await put('retained', 's', [{ timestamp: now - 3 * DAY, message: 'three days' }]);
      await put('retained', 's', [{ timestamp: now - DAY / 2, message: 'twelve hours' }]);
      await refused(
        logs.send(new PutRetentionPolicyCommand({ logGroupName: 'retained', retentionInDays: 2 })),
        'InvalidParameterException',
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
      );
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'retained', retentionInDays: 1 }));
      const described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'retained' }));
      assert.equal(described.logGroups![0]!.retentionInDays, 1);
      const expired = await put('retained', 's', [
        { timestamp: now - 2 * DAY, message: 'expired' },
        { timestamp: now - DAY / 4, message: 'fresh' },
      ]);
      assert.deepEqual(expired.rejectedLogEventsInfo, { expiredLogEventEndIndex: 1 });
      await ng.janitor.tick();
      const left = await logs.send(
        new GetLogEventsCommand({ logGroupName: 'retained', logStreamName: 's', startFromHead: true }),
      );
      assert.deepEqual(
        left.events?.map((e) => e.message),
        ['twelve hours', 'fresh'],
      );
      const bytes = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'retained' })))
        .logGroups![0]!.storedBytes;
      assert.equal(bytes, 'twelve hours'.length + 'fresh'.length);
      await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'retained' }));
      const kept = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'retained' }));
      assert.equal(kept.logGroups![0]!.retentionInDays, undefined);
    });

    test('tags: TagResource and the older TagLogGroup see the same tags', async () => {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { team: 'a' } }));
      const arn = `arn:aws:logs:${ng.region}:000000000000:log-group:tagged`;
      await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod' } }));
      await logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: { owner: 'me' } }));
      assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, {
        env: 'prod',
        owner: 'me',
        team: 'a',
      });
      await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
      await logs.send(new UntagLogGroupCommand({ logGroupName: 'tagged', tags: ['owner'] }));
      assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags, {
        env: 'prod',
      });
      await refused(
        logs.send(new TagResourceCommand({ resourceArn: `${arn}-nope`, tags: { a: 'b' } })),
        'ResourceNotFoundException',
        'The specified log group does not exist.',
      );
      await refused(
        logs.send(
          new TagResourceCommand({
            resourceArn: arn,
            tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])),
          }),
        ),
        'TooManyTagsException',
      );
    });
  });
}
