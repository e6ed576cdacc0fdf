import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  resolveContainerSecret,
  resolveContainerSecrets,
  resolveRepositoryCredentials,
  SecretResolutionError,
  type SecretSources,
} from '../../src/control/resolve-container-secret.ts';
import { systemClock } from '../../src/core/clock.ts';
import { randomIds } from '../../src/core/ids.ts';
import { aws } from '../support/aws-cli.ts';
import { secretsClient, ssmClient } from '../support/aws-clients.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

const scope = { account: '000000000000', region: 'us-east-1' };
const PREFIX =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ';
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let ng: TestNeargate;
let src: SecretSources;
let sm: SecretsManagerClient;
let ssm: SSMClient;
let dbArn: string;
let firstVersion: string;

const resolve = (valueFrom: string) => resolveContainerSecret(src, scope, valueFrom);
/** The reason a resolution fails with; it must be ECS's kind of error. */
async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SecretResolutionError, String(err));
    return err.reason;
  }
  assert.fail('resolved, though it should not have');
}

before(async () => {
  ng = await startTestNeargate();
  src = { store: ng.store, cipher: ng.cipher, ids: randomIds, clock: systemClock };
  sm = secretsClient(ng);
  ssm = ssmClient(ng);
  const first = await sm.send(
    new CreateSecretCommand({
      Name: 'app/db',
      SecretString: JSON.stringify({ user: 'old-user', password: 'old-pw' }),
    }),
  );
  dbArn = first.ARN!;
  firstVersion = first.VersionId!;
  await sm.send(
    new PutSecretValueCommand({
      SecretId: 'app/db',
      SecretString: JSON.stringify({
        user: 'app',
        password: 'pw-7',
        port: 5432,
        big: 1_000_000,
        ratio: 0.5,
        nested: { b: 1, a: 'x' },
        list: [1, 'two'],
        ok: true,
        none: null,
      }),
    }),
  );
  await sm.send(new CreateSecretCommand({ Name: 'plain-token', SecretString: 'tok-1' }));
  await sm.send(
    new CreateSecretCommand({ Name: 'registry', SecretString: '{"username":"bob","password":"hunter2"}' }),
  );
  await sm.send(new CreateSecretCommand({ Name: 'registry-bad', SecretString: '{"username":"bob"}' }));
  const cli = await aws(ng.env, [
    'ssm',
    'put-parameter',
    '--name',
    '/app/api-key',
    '--type',
    'SecureString',
    '--value',
    'k-1',
  ]);
  assert.equal(cli.code, 0, cli.stderr);
  await ssm.send(
    new PutParameterCommand({ Name: '/app/api-key', Type: 'SecureString', Value: 'k-2', Overwrite: true }),
  );
  await ssm.send(new PutParameterCommand({ Name: 'flat-name', Type: 'String', Value: 'flat' }));
});
after(() => ng.stop());

describe('container secrets resolved as the ECS agent resolves them', () => {
  test('a Secrets Manager secret by full or partial ARN', async () => {
    assert.deepEqual(JSON.parse(await resolve(dbArn)).user, 'app');
    assert.deepEqual(JSON.parse(await resolve(dbArn.slice(0, -7))).user, 'app');
    assert.equal(await resolve('arn:aws:secretsmanager:us-east-1:000000000000:secret:plain-token'), 'tok-1');
  });

  test('a JSON key, with a version stage or a version id, any part left empty', async () => {
    assert.equal(await resolve(`${dbArn}:user::`), 'app');
    assert.equal(await resolve(`${dbArn.slice(0, -7)}:password::`), 'pw-7');
    assert.equal(await resolve(`${dbArn}:user:AWSPREVIOUS:`), 'old-user');
    assert.equal(await resolve(`${dbArn}:user::${firstVersion}`), 'old-user');
    assert.equal(JSON.parse(await resolve(`${dbArn}:::${firstVersion}`)).password, 'old-pw');
    assert.equal(JSON.parse(await resolve(`${dbArn}::AWSPREVIOUS:`)).user, 'old-user');
  });

  test('JSON values other than strings print as Go prints them', async () => {
    assert.equal(await resolve(`${dbArn}:port::`), '5432');
    assert.equal(await resolve(`${dbArn}:big::`), '1e+06');
    assert.equal(await resolve(`${dbArn}:ratio::`), '0.5');
    assert.equal(await resolve(`${dbArn}:nested::`), 'map[a:x b:1]');
    assert.equal(await resolve(`${dbArn}:list::`), '[1 two]');
    assert.equal(await resolve(`${dbArn}:ok::`), 'true');
    assert.equal(await resolve(`${dbArn}:none::`), '<nil>');
  });

  test('a parameter by name, by ARN, or at a version; SecureString decrypted', async () => {
    assert.equal(await resolve('/app/api-key'), 'k-2');
    assert.equal(await resolve('/app/api-key:1'), 'k-1');
    assert.equal(await resolve('arn:aws:ssm:us-east-1:000000000000:parameter/app/api-key'), 'k-2');
    assert.equal(await resolve('arn:aws:ssm:us-east-1:000000000000:parameter/app/api-key:1'), 'k-1');
    assert.equal(await resolve('flat-name'), 'flat');
    assert.equal(await resolve('arn:aws:ssm:us-east-1:000000000000:parameter/flat-name'), 'flat');
  });

  test('an ARN of another region is read there, as the agent asks that region', async () => {
    const west = secretsClient(ng, 'eu-west-1');
    const made = await west.send(new CreateSecretCommand({ Name: 'west', SecretString: '{"k":"w"}' }));
    assert.equal(await resolve(`${made.ARN}:k::`), 'w');
    await ssmClient(ng, 'eu-west-1').send(
      new PutParameterCommand({ Name: '/west/p', Type: 'String', Value: 'wp' }),
    );
    assert.equal(await resolve('arn:aws:ssm:eu-west-1:000000000000:parameter/west/p'), 'wp');
    await assert.rejects(
      resolve('/west/p'),
      SecretResolutionError,
      'a bare name is looked for in the task region',
    );
  });

  test('every secret of a container at once, missing parameters reported together', async () => {
    const env = await resolveContainerSecrets(src, scope, [
      { name: 'DB_USER', valueFrom: `${dbArn}:user::` },
      { name: 'API_KEY', valueFrom: '/app/api-key' },
    ]);
    assert.deepEqual(env, { DB_USER: 'app', API_KEY: 'k-2' });
    assert.equal(
      await reason(
        resolveContainerSecrets(src, scope, [
          { name: 'A', valueFrom: '/app/nope' },
          { name: 'B', valueFrom: '/app/api-key' },
          { name: 'C', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/also/nope' },
        ]),
      ),
      `${PREFIX}unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: /app/nope,arn:aws:ssm:us-east-1:000000000000:parameter/also/nope`,
    );
  });

  test("a missing secret stops the task with ECS's words, and never a value", async () => {
    const missing = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:nope-AbCdEf';
    const why = await reason(resolve(missing));
    assert.match(
      why,
      new RegExp(
        `^${literal(`${PREFIX}unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${missing} from secrets manager: operation error Secrets Manager: GetSecretValue, https response error StatusCode: 400, RequestID: `)}[0-9a-f-]{36}, ${literal("ResourceNotFoundException: Secrets Manager can't find the specified secret.")}$`,
      ),
    );
    const keyed = await reason(resolve(`${missing}:k::`));
    assert.match(
      keyed,
      new RegExp(literal(`failed to fetch secret ${missing.slice(0, -7)}-AbCdEf from secrets manager`)),
    );

    assert.equal(
      await reason(resolve(`${dbArn}:nokey::`)),
      `${PREFIX}unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key nokey`,
    );
    assert.match(
      await reason(resolve(`${dbArn}:user:AWSPENDING:`)),
      /ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: AWSPENDING$/,
    );
    assert.match(
      await reason(resolve(`${dbArn}:user::`.replace('app/db', 'app/db:x:y'))),
      /an invalid ARN format/,
    );
    const notJson = await reason(
      resolve('arn:aws:secretsmanager:us-east-1:000000000000:secret:plain-token:k::'),
    );
    assert.ok(!notJson.includes('tok-1'), notJson);

    await sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'bye' }));
    await sm.send(new DeleteSecretCommand({ SecretId: 'doomed' }));
    assert.match(
      await reason(resolve('arn:aws:secretsmanager:us-east-1:000000000000:secret:doomed')),
      /InvalidRequestException: You can't perform this operation on the secret because it was marked for deletion\.$/,
    );
  });

  test('registry credentials come from a secret holding username and password', async () => {
    assert.deepEqual(await resolveRepositoryCredentials(src, scope, 'registry'), {
      username: 'bob',
      password: 'hunter2',
    });
    const why = await reason(resolveRepositoryCredentials(src, scope, 'registry-gone'));
    assert.match(
      why,
      new RegExp(
        `^${literal(`${PREFIX}unable to get registry auth from asm: service call has been retried 1 time(s): asm fetching secret from the service for registry-gone: operation error Secrets Manager: GetSecretValue`)}`,
      ),
    );
    assert.equal(
      await reason(resolveRepositoryCredentials(src, scope, 'registry-bad')),
      `${PREFIX}unable to get registry auth from asm: service call has been retried 1 time(s): asm fetching password: AuthorizationData is malformed, empty field`,
    );
  });
});
