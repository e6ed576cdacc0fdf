import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddTagsToResourceCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  ParameterNotFound,
  PutParameterCommand,
  paginateDescribeParameters,
  paginateGetParameterHistory,
  paginateGetParametersByPath,
  RemoveTagsFromResourceCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { ssmClient } from '../support/aws-clients.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';
import { storePlaces } from './dialects.ts';

for (const place of storePlaces('ssm_sdk')) {
  describe(`Parameter Store through the SDK, stored in ${place.dialect}`, { skip: place.skip }, () => {
    let ng: TestNeargate;
    let ssm: SSMClient;
    before(async () => {
      const databaseUrl = await place.databaseUrl();
      ng = await startTestNeargate(databaseUrl ? { databaseUrl } : {});
      ssm = ssmClient(ng);
    });
    after(async () => {
      await ng?.stop();
      await place.drop();
    });

    test('SecureString decrypts only WithDecryption, also by path and in GetParameters', async () => {
      await ssm.send(
        new PutParameterCommand({ Name: '/sdk/sec/token', Type: 'SecureString', Value: 'tok-123' }),
      );
      await ssm.send(new PutParameterCommand({ Name: '/sdk/sec/plain', Type: 'String', Value: 'plain-1' }));
      const hidden = await ssm.send(new GetParameterCommand({ Name: '/sdk/sec/token' }));
      assert.notEqual(hidden.Parameter?.Value, 'tok-123');
      assert.ok(
        hidden.Parameter?.Value && hidden.Parameter.Value.length > 20,
        'the ciphertext stands in for it',
      );
      const shown = await ssm.send(new GetParameterCommand({ Name: '/sdk/sec/token', WithDecryption: true }));
      assert.equal(shown.Parameter?.Value, 'tok-123');

      const byPath = await ssm.send(new GetParametersByPathCommand({ Path: '/sdk/sec' }));
      const values = Object.fromEntries(byPath.Parameters!.map((p) => [p.Name, p.Value]));
      assert.equal(values['/sdk/sec/plain'], 'plain-1');
      assert.notEqual(values['/sdk/sec/token'], 'tok-123');
      const decrypted = await ssm.send(
        new GetParametersByPathCommand({ Path: '/sdk/sec', WithDecryption: true }),
      );
      assert.equal(decrypted.Parameters!.find((p) => p.Name === '/sdk/sec/token')?.Value, 'tok-123');
      const many = await ssm.send(
        new GetParametersCommand({ Names: ['/sdk/sec/token'], WithDecryption: true }),
      );
      assert.equal(many.Parameters?.[0]?.Value, 'tok-123');
    });

    test('parameters are found by ARN, with and without a leading slash in their name', async () => {
      await ssm.send(new PutParameterCommand({ Name: 'flat', Type: 'String', Value: 'f' }));
      const flat = await ssm.send(new GetParameterCommand({ Name: 'flat' }));
      assert.equal(flat.Parameter?.ARN, 'arn:aws:ssm:us-east-1:000000000000:parameter/flat');
      const byArn = await ssm.send(new GetParameterCommand({ Name: flat.Parameter!.ARN! }));
      assert.equal(byArn.Parameter?.Value, 'f');
      await ssm.send(new PutParameterCommand({ Name: '/sdk/arn/x', Type: 'String', Value: 'x1' }));
      await ssm.send(new PutParameterCommand({ Name: '/sdk/arn/x', Value: 'x2', Overwrite: true }));
      const arn = 'arn:aws:ssm:us-east-1:000000000000:parameter/sdk/arn/x';
      assert.equal((await ssm.send(new GetParameterCommand({ Name: `${arn}:1` }))).Parameter?.Value, 'x1');
      await assert.rejects(
        ssm.send(new GetParameterCommand({ Name: arn.replace('us-east-1', 'eu-west-1') })),
        ParameterNotFound,
      );
    });

    test('a parameter keeps its last 100 versions', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/sdk/many', Type: 'String', Value: 'v1' }));
      for (let i = 2; i <= 101; i++) {
        await ssm.send(new PutParameterCommand({ Name: '/sdk/many', Value: `v${i}`, Overwrite: true }));
      }
      const versions: number[] = [];
      for await (const page of paginateGetParameterHistory({ client: ssm }, { Name: '/sdk/many' })) {
        versions.push(...(page.Parameters ?? []).map((p) => p.Version!));
      }
      assert.equal(versions.length, 100);
      assert.equal(versions[0], 2);
      assert.equal(versions.at(-1), 101);
      await assert.rejects(
        ssm.send(new GetParameterCommand({ Name: '/sdk/many:1' })),
        /could not find version 1/,
      );
    });

    test('concurrent overwrites get distinct versions; concurrent creates, one winner', async () => {
      const made = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          ssm.send(new PutParameterCommand({ Name: '/sdk/race', Type: 'String', Value: 'v0' })),
        ),
      );
      assert.equal(made.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of made) {
        if (r.status === 'rejected') assert.equal((r.reason as Error).name, 'ParameterAlreadyExists');
      }
      const versions = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ssm.send(new PutParameterCommand({ Name: '/sdk/race', Value: `v${i + 1}`, Overwrite: true })),
        ),
      );
      assert.deepEqual(
        versions.map((v) => v.Version).sort((a, b) => a! - b!),
        [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      );
    });

    test('by path pages and filters; describe pages and filters by tag', async () => {
      for (const [name, type] of [
        ['/sdk/p/a', 'String'],
        ['/sdk/p/b', 'SecureString'],
        ['/sdk/p/c', 'String'],
        ['/sdk/p/d/e', 'StringList'],
      ] as const) {
        await ssm.send(
          new PutParameterCommand({
            Name: name,
            Type: type,
            Value: 'x',
            Tags: [{ Key: 'kind', Value: type }],
          }),
        );
      }
      const pages: string[][] = [];
      for await (const page of paginateGetParametersByPath(
        { client: ssm, pageSize: 2 },
        { Path: '/sdk/p', Recursive: true },
      )) {
        pages.push((page.Parameters ?? []).map((p) => p.Name!));
      }
      assert.deepEqual(pages, [
        ['/sdk/p/a', '/sdk/p/b'],
        ['/sdk/p/c', '/sdk/p/d/e'],
      ]);
      const strings = await ssm.send(
        new GetParametersByPathCommand({
          Path: '/sdk/p',
          Recursive: true,
          ParameterFilters: [{ Key: 'Type', Values: ['String'] }],
        }),
      );
      assert.deepEqual(
        strings.Parameters?.map((p) => p.Name),
        ['/sdk/p/a', '/sdk/p/c'],
      );
      const keyed = await ssm.send(
        new GetParametersByPathCommand({
          Path: '/sdk/p',
          ParameterFilters: [{ Key: 'KeyId', Option: 'Equals', Values: ['alias/aws/ssm'] }],
        }),
      );
      assert.deepEqual(
        keyed.Parameters?.map((p) => p.Name),
        ['/sdk/p/b'],
      );
      await assert.rejects(
        ssm.send(
          new GetParametersByPathCommand({
            Path: '/sdk/p',
            ParameterFilters: [{ Key: 'Name', Values: ['x'] }],
          }),
        ),
        /The following filter key is not valid: Name\. Valid filter keys include: \[Type, KeyId, Label\]/,
      );

      const described: string[] = [];
      for await (const page of paginateDescribeParameters(
        { client: ssm, pageSize: 1 },
        {
          ParameterFilters: [
            { Key: 'tag:kind', Values: ['String'] },
            { Key: 'Path', Option: 'Recursive', Values: ['/sdk/p'] },
          ],
        },
      )) {
        described.push(...(page.Parameters ?? []).map((p) => p.Name!));
      }
      assert.deepEqual(described, ['/sdk/p/a', '/sdk/p/c']);
      const named = await ssm.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/sdk/p/d'] }],
        }),
      );
      assert.deepEqual(
        named.Parameters?.map((p) => [p.Name, p.Type, p.Tier, p.Version]),
        [['/sdk/p/d/e', 'StringList', 'Standard', 1]],
      );
    });

    test('tags are added, listed and removed; tags and overwrite do not mix', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/sdk/tagged', Type: 'String', Value: 'x' }));
      await ssm.send(
        new AddTagsToResourceCommand({
          ResourceType: 'Parameter',
          ResourceId: '/sdk/tagged',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
          ],
        }),
      );
      await ssm.send(
        new RemoveTagsFromResourceCommand({
          ResourceType: 'Parameter',
          ResourceId: '/sdk/tagged',
          TagKeys: ['a'],
        }),
      );
      const listed = await ssm.send(
        new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/sdk/tagged' }),
      );
      assert.deepEqual(listed.TagList, [{ Key: 'b', Value: '2' }]);
      await assert.rejects(
        ssm.send(
          new PutParameterCommand({
            Name: '/sdk/tagged',
            Value: 'y',
            Overwrite: true,
            Tags: [{ Key: 'c', Value: '3' }],
          }),
        ),
        /Tags and overwrite can't be used together/,
      );
      await assert.rejects(
        ssm.send(
          new PutParameterCommand({ Name: '/sdk/keyed', Type: 'String', Value: 'y', KeyId: 'alias/mine' }),
        ),
        /KeyId is required for SecureString type parameter only\./,
      );
    });
  });
}
