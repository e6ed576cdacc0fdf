import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  paginateListSecrets,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { secretsClient } from '../support/aws-clients.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';
import { storePlaces } from './dialects.ts';

const token = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

for (const place of storePlaces('sm_sdk')) {
  describe(`Secrets Manager through the SDK, stored in ${place.dialect}`, { skip: place.skip }, () => {
    let ng: TestNeargate;
    let sm: SecretsManagerClient;
    before(async () => {
      const databaseUrl = await place.databaseUrl();
      ng = await startTestNeargate(databaseUrl ? { databaseUrl } : {});
      sm = secretsClient(ng);
    });
    after(async () => {
      await ng?.stop();
      await place.drop();
    });

    test('binary secrets come back byte for byte', async () => {
      const bytes = Uint8Array.from([0, 1, 2, 250, 255, 10, 13]);
      await sm.send(new CreateSecretCommand({ Name: 'bin', SecretBinary: bytes }));
      const got = await sm.send(new GetSecretValueCommand({ SecretId: 'bin' }));
      assert.deepEqual(got.SecretBinary, bytes);
      assert.equal(got.SecretString, undefined);
      await assert.rejects(
        sm.send(new CreateSecretCommand({ Name: 'both', SecretString: 'x', SecretBinary: bytes })),
        (e: unknown) =>
          e instanceof InvalidParameterException &&
          e.message ===
            "You can't specify both a binary secret value and a string secret value in the same secret.",
      );
    });

    test('ClientRequestToken makes retries harmless and versions immutable', async () => {
      const first = await sm.send(
        new CreateSecretCommand({ Name: 'idem', SecretString: 'one', ClientRequestToken: token(1) }),
      );
      assert.equal(first.VersionId, token(1));
      const retried = await sm.send(
        new CreateSecretCommand({ Name: 'idem', SecretString: 'one', ClientRequestToken: token(1) }),
      );
      assert.equal(retried.ARN, first.ARN);
      assert.equal(retried.VersionId, token(1));

      const put = await sm.send(
        new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'two', ClientRequestToken: token(2) }),
      );
      const putAgain = await sm.send(
        new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'two', ClientRequestToken: token(2) }),
      );
      assert.equal(putAgain.VersionId, put.VersionId);
      await assert.rejects(
        sm.send(
          new PutSecretValueCommand({
            SecretId: 'idem',
            SecretString: 'other',
            ClientRequestToken: token(2),
          }),
        ),
        (e: unknown) =>
          e instanceof ResourceExistsException &&
          e.message === "You can't modify an existing version, you can only create a new version.",
      );
      const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'idem' }));
      assert.deepEqual(
        versions.Versions?.map((v) => [v.VersionId, v.VersionStages]),
        [
          [token(2), ['AWSCURRENT']],
          [token(1), ['AWSPREVIOUS']],
        ],
      );
    });

    test('custom labels move between versions; AWSCURRENT only moves when its holder is named', async () => {
      await sm.send(
        new CreateSecretCommand({ Name: 'staged', SecretString: 'v1', ClientRequestToken: token(11) }),
      );
      await sm.send(
        new PutSecretValueCommand({
          SecretId: 'staged',
          SecretString: 'v2',
          ClientRequestToken: token(12),
          VersionStages: ['blue', 'green'],
        }),
      );
      await sm.send(
        new PutSecretValueCommand({
          SecretId: 'staged',
          SecretString: 'v3',
          ClientRequestToken: token(13),
          VersionStages: ['blue'],
        }),
      );
      const blue = await sm.send(new GetSecretValueCommand({ SecretId: 'staged', VersionStage: 'blue' }));
      assert.equal(blue.SecretString, 'v3');
      const green = await sm.send(new GetSecretValueCommand({ SecretId: 'staged', VersionStage: 'green' }));
      assert.equal(green.SecretString, 'v2');
      const current = await sm.send(new GetSecretValueCommand({ SecretId: 'staged' }));
      assert.equal(current.SecretString, 'v1', 'custom labels leave AWSCURRENT where it was');
      await assert.rejects(
        sm.send(
          new GetSecretValueCommand({ SecretId: 'staged', VersionId: token(12), VersionStage: 'blue' }),
        ),
        (e: unknown) =>
          e instanceof InvalidRequestException &&
          e.message === 'You provided a VersionStage that is not associated to the provided VersionId.',
      );

      await assert.rejects(
        sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: 'staged',
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: token(13),
          }),
        ),
        (e: unknown) =>
          e instanceof InvalidParameterException &&
          e.message ===
            `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${token(11)}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'staged',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(13),
          RemoveFromVersionId: token(11),
        }),
      );
      const described = await sm.send(new DescribeSecretCommand({ SecretId: 'staged' }));
      assert.deepEqual(described.VersionIdsToStages, {
        [token(11)]: ['AWSPREVIOUS'],
        [token(12)]: ['green'],
        [token(13)]: ['blue', 'AWSCURRENT'],
      });
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'staged',
          VersionStage: 'green',
          RemoveFromVersionId: token(12),
        }),
      );
      const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'staged' }));
      assert.ok(
        !versions.Versions?.some((v) => v.VersionId === token(12)),
        'a version without labels is deprecated',
      );
      const all = await sm.send(
        new ListSecretVersionIdsCommand({ SecretId: 'staged', IncludeDeprecated: true }),
      );
      assert.ok(all.Versions?.some((v) => v.VersionId === token(12) && v.VersionStages === undefined));
    });

    test('UpdateSecret changes the description alone, or adds an AWSCURRENT version', async () => {
      await sm.send(new CreateSecretCommand({ Name: 'upd', SecretString: 'a', Description: 'old' }));
      const described = await sm.send(new UpdateSecretCommand({ SecretId: 'upd', Description: 'new' }));
      assert.equal(described.VersionId, undefined);
      assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: 'upd' }))).Description, 'new');
      const valued = await sm.send(new UpdateSecretCommand({ SecretId: 'upd', SecretString: 'b' }));
      assert.ok(valued.VersionId);
      const got = await sm.send(new GetSecretValueCommand({ SecretId: 'upd' }));
      assert.equal(got.SecretString, 'b');
      assert.equal(got.VersionId, valued.VersionId);
      const previous = await sm.send(
        new GetSecretValueCommand({ SecretId: 'upd', VersionStage: 'AWSPREVIOUS' }),
      );
      assert.equal(previous.SecretString, 'a');
    });

    test('ListSecrets pages through every secret, sorted as asked', async () => {
      for (let i = 0; i < 5; i++)
        await sm.send(new CreateSecretCommand({ Name: `page/${i}`, SecretString: 'x' }));
      const filter = { Filters: [{ Key: 'name' as const, Values: ['page/'] }] };
      const pages: string[][] = [];
      for await (const page of paginateListSecrets(
        { client: sm, pageSize: 2 },
        { ...filter, SortOrder: 'asc' },
      )) {
        pages.push((page.SecretList ?? []).map((s) => s.Name!));
      }
      assert.deepEqual(
        pages.map((p) => p.length),
        [2, 2, 1],
      );
      assert.deepEqual(pages.flat().sort(), ['page/0', 'page/1', 'page/2', 'page/3', 'page/4']);
      // The paginator writes NextToken into the input it is given: give each its own.
      const byDefault: string[] = [];
      for await (const page of paginateListSecrets({ client: sm, pageSize: 3 }, { ...filter })) {
        byDefault.push(...(page.SecretList ?? []).map((s) => s.Name!));
      }
      assert.deepEqual(byDefault, pages.flat().reverse(), 'by default newest first');
      const byName: string[] = [];
      for await (const page of paginateListSecrets(
        { client: sm, pageSize: 4 },
        { ...filter, SortBy: 'name', SortOrder: 'asc' },
      )) {
        byName.push(...(page.SecretList ?? []).map((s) => s.Name!));
      }
      assert.deepEqual(byName, ['page/0', 'page/1', 'page/2', 'page/3', 'page/4']);
    });

    test('concurrent writes to one secret leave one AWSCURRENT and one AWSPREVIOUS', async () => {
      const made = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          sm.send(new CreateSecretCommand({ Name: 'race', SecretString: 'v0' })),
        ),
      );
      assert.equal(made.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of made) {
        if (r.status === 'rejected') assert.ok(r.reason instanceof ResourceExistsException, String(r.reason));
      }
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          sm.send(new PutSecretValueCommand({ SecretId: 'race', SecretString: `v${i + 1}` })),
        ),
      );
      const stages = Object.values(
        (await sm.send(new DescribeSecretCommand({ SecretId: 'race' }))).VersionIdsToStages!,
      );
      assert.deepEqual(stages.flat().sort(), ['AWSCURRENT', 'AWSPREVIOUS']);
      const versions = await sm.send(
        new ListSecretVersionIdsCommand({ SecretId: 'race', IncludeDeprecated: true }),
      );
      assert.equal(versions.Versions?.length, 21);
    });

    test('a secret lives in its region; an ARN of another region is not found here', async () => {
      const west = secretsClient(ng, 'eu-west-1');
      const made = await west.send(new CreateSecretCommand({ Name: 'regional', SecretString: 'west' }));
      assert.match(made.ARN!, /^arn:aws:secretsmanager:eu-west-1:000000000000:secret:regional-/);
      await assert.rejects(
        sm.send(new GetSecretValueCommand({ SecretId: 'regional' })),
        ResourceNotFoundException,
      );
      await assert.rejects(
        sm.send(new GetSecretValueCommand({ SecretId: made.ARN! })),
        ResourceNotFoundException,
      );
      assert.equal(
        (await west.send(new GetSecretValueCommand({ SecretId: made.ARN! }))).SecretString,
        'west',
      );
      await west.send(new DeleteSecretCommand({ SecretId: made.ARN!, ForceDeleteWithoutRecovery: true }));
      await assert.rejects(
        west.send(new GetSecretValueCommand({ SecretId: 'regional' })),
        ResourceNotFoundException,
      );
    });
  });
}
