import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { aws } from '../support/aws-cli.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

const sm = (...args: string[]) => aws(ng.env, ['secretsmanager', ...args]);
const ARN = /^arn:aws:secretsmanager:us-east-1:000000000000:secret:(.+)-[A-Za-z0-9]{6}$/;

describe('Secrets Manager through the AWS CLI', () => {
  test('create, read, version stages moving on put-secret-value, describe', async () => {
    const created = await sm(
      'create-secret',
      '--name',
      'cli/db',
      '--secret-string',
      'first',
      '--description',
      'the db',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.json.ARN, ARN);
    assert.equal(created.json.ARN.match(ARN)[1], 'cli/db');
    assert.equal(created.json.Name, 'cli/db');
    const v1 = created.json.VersionId;
    assert.match(v1, /^[0-9a-f-]{36}$/, 'the CLI made the ClientRequestToken that became the version id');

    const got = await sm('get-secret-value', '--secret-id', 'cli/db');
    assert.equal(got.json.SecretString, 'first');
    assert.deepEqual(got.json.VersionStages, ['AWSCURRENT']);
    assert.equal(got.json.VersionId, v1);

    const put = await sm('put-secret-value', '--secret-id', created.json.ARN, '--secret-string', 'second');
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(put.json.VersionStages, ['AWSCURRENT']);
    const v2 = put.json.VersionId;

    const third = await sm('put-secret-value', '--secret-id', 'cli/db', '--secret-string', 'third');
    const v3 = third.json.VersionId;
    const described = await sm('describe-secret', '--secret-id', 'cli/db');
    assert.equal(described.json.Description, 'the db');
    assert.deepEqual(described.json.VersionIdsToStages, { [v2]: ['AWSPREVIOUS'], [v3]: ['AWSCURRENT'] });
    assert.ok(described.json.LastAccessedDate, 'read today');

    const previous = await sm('get-secret-value', '--secret-id', 'cli/db', '--version-stage', 'AWSPREVIOUS');
    assert.equal(previous.json.SecretString, 'second');
    const byId = await sm('get-secret-value', '--secret-id', 'cli/db', '--version-id', v1);
    assert.equal(byId.json.SecretString, 'first', 'a deprecated version is still readable by id');
    assert.equal(byId.json.VersionStages, undefined);

    const pending = await sm(
      'put-secret-value',
      '--secret-id',
      'cli/db',
      '--secret-string',
      'fourth',
      '--version-stages',
      'AWSPENDING',
    );
    assert.deepEqual(pending.json.VersionStages, ['AWSPENDING']);
    assert.equal((await sm('get-secret-value', '--secret-id', 'cli/db')).json.SecretString, 'third');

    const moved = await sm(
      'update-secret-version-stage',
      '--secret-id',
      'cli/db',
      '--version-stage',
      'AWSCURRENT',
      '--move-to-version-id',
      pending.json.VersionId,
      '--remove-from-version-id',
      v3,
    );
    assert.equal(moved.code, 0, moved.stderr);
    const after = await sm('describe-secret', '--secret-id', 'cli/db');
    assert.deepEqual(after.json.VersionIdsToStages, {
      [v3]: ['AWSPREVIOUS'],
      [pending.json.VersionId]: ['AWSPENDING', 'AWSCURRENT'],
    });
  });

  test('lookups by partial ARN; errors worded as AWS words them', async () => {
    const created = await sm('create-secret', '--name', 'cli-lookup', '--secret-string', 'x');
    const partial = created.json.ARN.slice(0, -7);
    assert.equal((await sm('get-secret-value', '--secret-id', partial)).json.SecretString, 'x');

    const missing = await sm('get-secret-value', '--secret-id', 'no-such-secret');
    assert.equal(missing.code, 254);
    assert.match(
      missing.stderr,
      /\(ResourceNotFoundException\) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret\.$/m,
    );
    const wrongSuffix = await sm('get-secret-value', '--secret-id', `${partial}-ZZZZZZ`);
    assert.match(wrongSuffix.stderr, /ResourceNotFoundException/);
    const again = await sm('create-secret', '--name', 'cli-lookup', '--secret-string', 'y');
    assert.match(
      again.stderr,
      /\(ResourceExistsException\).*The operation failed because the secret cli-lookup already exists\./,
    );
    const noStage = await sm(
      'get-secret-value',
      '--secret-id',
      'cli-lookup',
      '--version-stage',
      'AWSPREVIOUS',
    );
    assert.match(
      noStage.stderr,
      /\(ResourceNotFoundException\).*Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS/,
    );
    const badName = await sm('create-secret', '--name', 'has space', '--secret-string', 'x');
    assert.match(
      badName.stderr,
      /\(ValidationException\).*Invalid name\. Must be a valid name containing alphanumeric/,
    );
    const long = await sm('create-secret', '--name', 'n'.repeat(513), '--secret-string', 'x');
    assert.match(
      long.stderr,
      /\(ValidationException\).*1 validation error detected: Value 'n+' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512/,
    );
    const huge = await sm('create-secret', '--name', 'cli-huge', '--secret-string', 's'.repeat(65_537));
    assert.match(
      huge.stderr,
      /Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536/,
    );
    assert.ok(!huge.stderr.includes('sss'), 'a secret value is never quoted back');
  });

  test('deletion: refused while in its window, restored, forced; the window is 7 to 30 days', async () => {
    await sm('create-secret', '--name', 'cli-del', '--secret-string', 'keep me');
    const tooShort = await sm('delete-secret', '--secret-id', 'cli-del', '--recovery-window-in-days', '6');
    assert.match(
      tooShort.stderr,
      /\(InvalidParameterException\).*The RecoveryWindowInDays value must be between 7 and 30 days \(inclusive\)\./,
    );
    const both = await sm(
      'delete-secret',
      '--secret-id',
      'cli-del',
      '--recovery-window-in-days',
      '7',
      '--force-delete-without-recovery',
    );
    assert.match(
      both.stderr,
      /You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays\./,
    );

    const deleted = await sm('delete-secret', '--secret-id', 'cli-del', '--recovery-window-in-days', '7');
    assert.equal(deleted.code, 0, deleted.stderr);
    const deletionDate = Date.parse(deleted.json.DeletionDate);
    assert.ok(Math.abs(deletionDate - Date.now() - 7 * 86_400_000) < 60_000, deleted.json.DeletionDate);

    const read = await sm('get-secret-value', '--secret-id', 'cli-del');
    assert.match(
      read.stderr,
      /\(InvalidRequestException\) when calling the GetSecretValue operation: You can't perform this operation on the secret because it was marked for deletion\./,
    );
    const put = await sm('put-secret-value', '--secret-id', 'cli-del', '--secret-string', 'x');
    assert.match(put.stderr, /marked for deletion/);
    const twice = await sm('delete-secret', '--secret-id', 'cli-del');
    assert.match(twice.stderr, /\(InvalidRequestException\).*currently marked deleted/);
    const recreate = await sm('create-secret', '--name', 'cli-del', '--secret-string', 'x');
    assert.match(
      recreate.stderr,
      /\(InvalidRequestException\).*You can't create this secret because a secret with this name is already scheduled for deletion\./,
    );
    const described = await sm('describe-secret', '--secret-id', 'cli-del');
    assert.ok(described.json.DeletedDate);
    const listed = await sm('list-secrets');
    assert.ok(!listed.json.SecretList.some((s: { Name: string }) => s.Name === 'cli-del'));
    const planned = await sm('list-secrets', '--include-planned-deletion');
    assert.ok(planned.json.SecretList.some((s: { Name: string }) => s.Name === 'cli-del'));

    const restored = await sm('restore-secret', '--secret-id', 'cli-del');
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal((await sm('get-secret-value', '--secret-id', 'cli-del')).json.SecretString, 'keep me');
    assert.equal((await sm('describe-secret', '--secret-id', 'cli-del')).json.DeletedDate, undefined);

    await sm('delete-secret', '--secret-id', 'cli-del');
    const forced = await sm('delete-secret', '--secret-id', 'cli-del', '--force-delete-without-recovery');
    assert.equal(forced.code, 0, 'a secret in its window can still be forced out');
    assert.match((await sm('describe-secret', '--secret-id', 'cli-del')).stderr, /ResourceNotFoundException/);
    assert.equal((await sm('create-secret', '--name', 'cli-del', '--secret-string', 'new')).code, 0);
  });

  test('list-secrets filters and paginates; tags and untags', async () => {
    for (const [name, team] of [
      ['list/alpha', 'red'],
      ['list/beta', 'blue'],
      ['list/gamma', 'red'],
    ]) {
      const r = await sm(
        'create-secret',
        '--name',
        name!,
        '--secret-string',
        'v',
        '--tags',
        `Key=team,Value=${team}`,
      );
      assert.equal(r.code, 0, r.stderr);
    }
    const names = (r: { json: { SecretList: { Name: string }[] } }) =>
      r.json.SecretList.map((s) => s.Name).sort();
    assert.deepEqual(names(await sm('list-secrets', '--filters', 'Key=name,Values=list/')), [
      'list/alpha',
      'list/beta',
      'list/gamma',
    ]);
    assert.deepEqual(names(await sm('list-secrets', '--filters', 'Key=tag-value,Values=red')), [
      'list/alpha',
      'list/gamma',
    ]);
    assert.deepEqual(
      names(await sm('list-secrets', '--filters', 'Key=name,Values=list/', 'Key=tag-value,Values=!red')),
      ['list/beta'],
    );

    // The CLI follows NextToken itself: pages of one still list all three, in creation order asked for.
    const paged = await sm(
      'list-secrets',
      '--filters',
      'Key=name,Values=list/',
      '--page-size',
      '1',
      '--sort-order',
      'asc',
    );
    assert.equal(paged.code, 0, paged.stderr);
    assert.deepEqual(
      paged.json.SecretList.map((s: { Name: string }) => s.Name),
      ['list/alpha', 'list/beta', 'list/gamma'],
    );
    const first = await sm('list-secrets', '--filters', 'Key=name,Values=list/', '--max-items', '1');
    assert.equal(first.json.SecretList.length, 1);
    assert.ok(first.json.NextToken);

    assert.equal(
      (await sm('tag-resource', '--secret-id', 'list/beta', '--tags', 'Key=env,Value=prod')).code,
      0,
    );
    assert.equal((await sm('untag-resource', '--secret-id', 'list/beta', '--tag-keys', 'team')).code, 0);
    assert.deepEqual((await sm('describe-secret', '--secret-id', 'list/beta')).json.Tags, [
      { Key: 'env', Value: 'prod' },
    ]);
  });
});
