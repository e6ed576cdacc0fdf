import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { aws } from '../support/aws-cli.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

const ssm = (...args: string[]) => aws(ng.env, ['ssm', ...args]);

describe('Parameter Store through the AWS CLI', () => {
  test('put, overwrite, versions, and get by name:version', async () => {
    const put = await ssm('put-parameter', '--name', '/cli/db/host', '--type', 'String', '--value', 'db-1');
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(put.json, { Version: 1, Tier: 'Standard' });

    const refused = await ssm(
      'put-parameter',
      '--name',
      '/cli/db/host',
      '--type',
      'String',
      '--value',
      'db-2',
    );
    assert.match(
      refused.stderr,
      /\(ParameterAlreadyExists\) when calling the PutParameter operation: The parameter already exists\. To overwrite this value, set the overwrite option in the request to true\./,
    );
    const over = await ssm('put-parameter', '--name', '/cli/db/host', '--value', 'db-2', '--overwrite');
    assert.equal(over.json.Version, 2, over.stderr);

    const latest = await ssm('get-parameter', '--name', '/cli/db/host');
    assert.equal(latest.json.Parameter.Value, 'db-2');
    assert.equal(latest.json.Parameter.Type, 'String', 'an overwrite keeps the type it leaves out');
    assert.equal(latest.json.Parameter.ARN, 'arn:aws:ssm:us-east-1:000000000000:parameter/cli/db/host');
    const first = await ssm('get-parameter', '--name', '/cli/db/host:1');
    assert.equal(first.json.Parameter.Value, 'db-1');
    assert.equal(first.json.Parameter.Selector, ':1');
    const none = await ssm('get-parameter', '--name', '/cli/db/host:9');
    assert.match(
      none.stderr,
      /\(ParameterVersionNotFound\).*Systems Manager could not find version 9 of \/cli\/db\/host\. Verify the version and try again\./,
    );
    const missing = await ssm('get-parameter', '--name', '/cli/nothing');
    assert.equal(missing.code, 254);
    assert.match(missing.stderr, /\(ParameterNotFound\) when calling the GetParameter operation: ?$/m);

    const history = await ssm('get-parameter-history', '--name', '/cli/db/host');
    assert.deepEqual(
      history.json.Parameters.map((p: { Version: number; Value: string }) => [p.Version, p.Value]),
      [
        [1, 'db-1'],
        [2, 'db-2'],
      ],
    );
  });

  test('SecureString values are shown only with --with-decryption', async () => {
    const put = await ssm(
      'put-parameter',
      '--name',
      '/cli/db/password',
      '--type',
      'SecureString',
      '--value',
      'pw-9',
    );
    assert.equal(put.code, 0, put.stderr);
    const hidden = await ssm('get-parameter', '--name', '/cli/db/password');
    assert.notEqual(hidden.json.Parameter.Value, 'pw-9');
    assert.ok(!hidden.stdout.includes('pw-9'));
    const shown = await ssm('get-parameter', '--name', '/cli/db/password', '--with-decryption');
    assert.equal(shown.json.Parameter.Value, 'pw-9');
    const described = await ssm(
      'describe-parameters',
      '--parameter-filters',
      'Key=Name,Values=/cli/db/password',
    );
    assert.equal(described.json.Parameters[0].KeyId, 'alias/aws/ssm');
    assert.equal(described.json.Parameters[0].Value, undefined);
  });

  test('get-parameters reports names it cannot find; by path, one level or all', async () => {
    await ssm('put-parameter', '--name', '/cli/app/a', '--type', 'String', '--value', 'A');
    await ssm('put-parameter', '--name', '/cli/app/deep/b', '--type', 'StringList', '--value', 'b1,b2');
    const many = await ssm('get-parameters', '--names', '/cli/app/a', '/cli/app/none', '/cli/app/a:7');
    assert.deepEqual(
      many.json.Parameters.map((p: { Name: string }) => p.Name),
      ['/cli/app/a'],
    );
    assert.deepEqual(many.json.InvalidParameters, ['/cli/app/none', '/cli/app/a:7']);

    const oneLevel = await ssm('get-parameters-by-path', '--path', '/cli/app');
    assert.deepEqual(
      oneLevel.json.Parameters.map((p: { Name: string }) => p.Name),
      ['/cli/app/a'],
    );
    const all = await ssm('get-parameters-by-path', '--path', '/cli/app/', '--recursive');
    assert.deepEqual(
      all.json.Parameters.map((p: { Name: string; Value: string }) => [p.Name, p.Value]),
      [
        ['/cli/app/a', 'A'],
        ['/cli/app/deep/b', 'b1,b2'],
      ],
    );
    // The CLI follows NextToken: pages of one still bring every parameter.
    const paged = await ssm(
      'get-parameters-by-path',
      '--path',
      '/cli/app',
      '--recursive',
      '--page-size',
      '1',
    );
    assert.deepEqual(
      paged.json.Parameters.map((p: { Name: string }) => p.Name),
      ['/cli/app/a', '/cli/app/deep/b'],
      paged.stderr,
    );

    const tooMany = await ssm(
      'get-parameters-by-path',
      '--path',
      '/cli',
      '--max-results',
      '11',
      '--no-paginate',
    );
    assert.match(
      tooMany.stderr,
      /\(ValidationException\).*1 validation error detected: Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10/,
    );
  });

  test('describe-parameters filters; delete-parameter(s)', async () => {
    await ssm('put-parameter', '--name', '/cli/del/one', '--type', 'String', '--value', '1');
    await ssm('put-parameter', '--name', '/cli/del/two', '--type', 'SecureString', '--value', '2');
    const secure = await ssm(
      'describe-parameters',
      '--parameter-filters',
      'Key=Path,Values=/cli/del',
      'Key=Type,Values=SecureString',
    );
    assert.deepEqual(
      secure.json.Parameters.map((p: { Name: string }) => p.Name),
      ['/cli/del/two'],
    );
    const legacy = await ssm('describe-parameters', '--filters', 'Key=Name,Values=/cli/del/o');
    assert.deepEqual(
      legacy.json.Parameters.map((p: { Name: string }) => p.Name),
      ['/cli/del/one'],
    );
    assert.equal((await ssm('delete-parameter', '--name', '/cli/del/one')).code, 0);
    const gone = await ssm('delete-parameter', '--name', '/cli/del/one');
    assert.match(gone.stderr, /\(ParameterNotFound\) when calling the DeleteParameter operation/);
    const both = await ssm('delete-parameters', '--names', '/cli/del/two', '/cli/del/one');
    assert.deepEqual(both.json.DeletedParameters, ['/cli/del/two']);
    assert.deepEqual(both.json.InvalidParameters, ['/cli/del/one']);
  });

  test('names AWS reserves or refuses', async () => {
    const aws = await ssm('put-parameter', '--name', 'awsThing', '--type', 'String', '--value', 'x');
    assert.match(
      aws.stderr,
      /\(ValidationException\).*Parameter name: can't be prefixed with "aws" or "ssm" \(case-insensitive\)\./,
    );
    const spaced = await ssm('put-parameter', '--name', '/a b', '--type', 'String', '--value', 'x');
    assert.match(
      spaced.stderr,
      /\(ValidationException\).*each sub-path can be formed as a mix of letters, numbers and the following 3 symbols \.-_/,
    );
    const untyped = await ssm('put-parameter', '--name', '/cli/untyped', '--value', 'x');
    assert.match(
      untyped.stderr,
      /\(ValidationException\).*A parameter type is required when you create a parameter\./,
    );
    const big = await ssm(
      'put-parameter',
      '--name',
      '/cli/big',
      '--type',
      'String',
      '--value',
      'v'.repeat(4097),
    );
    assert.match(big.stderr, /Standard tier parameters support a maximum parameter value of 4096 characters/);
    const advanced = await ssm(
      'put-parameter',
      '--name',
      '/cli/big',
      '--type',
      'String',
      '--tier',
      'Advanced',
      '--value',
      'v'.repeat(4097),
    );
    assert.deepEqual(advanced.json, { Version: 1, Tier: 'Advanced' });
  });
});
