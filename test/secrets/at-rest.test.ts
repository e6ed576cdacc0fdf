import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterHistoryCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import pg from 'pg';
import pino from 'pino';
import { resolveConfig } from '../../src/config.ts';
import { type Neargate, startNeargate } from '../../src/main.ts';
import { aws } from '../support/aws-cli.ts';
import { secretsClient, ssmClient } from '../support/aws-clients.ts';
import type { TestNeargate } from '../support/neargate.ts';
import { storePlaces } from './dialects.ts';

const KEY = { id: 'AKIAATRESTATRESTATRE', secret: 'at/rest/secret/key/0123456789abcdefghijk' };

/** Every file under a directory, with its bytes. */
async function filesUnder(dir: string): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push([path, await readFile(path)]);
  }
  return out;
}

for (const place of storePlaces('at_rest')) {
  describe(`values at rest and in logs, stored in ${place.dialect}`, { skip: place.skip }, () => {
    let dataDir: string;
    let ng: Neargate;
    let client: TestNeargate;
    let databaseUrl: string | undefined;
    const logLines: string[] = [];
    // Values no other test uses, so finding one anywhere means this test leaked it.
    const marks = {
      secret: `sm-${randomUUID()}`,
      binary: `bin-${randomUUID()}`,
      secure: `ss-${randomUUID()}`,
      plain: `str-${randomUUID()}`,
      refused: `no-${randomUUID()}`,
    };
    const leaks = (text: string) => Object.values(marks).filter((m) => text.includes(m));

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'neargate-at-rest-'));
      databaseUrl = await place.databaseUrl();
      const config = resolveConfig(
        { port: 0, dataDir, ...(databaseUrl && { databaseUrl }) },
        { NEARGATE_ACCESS_KEY_ID: KEY.id, NEARGATE_SECRET_ACCESS_KEY: KEY.secret },
      );
      const sink = new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      });
      ng = await startNeargate(config, { log: pino({ level: 'trace' }, sink) });
      client = {
        ...ng,
        dataDir,
        accessKeyId: KEY.id,
        secretAccessKey: KEY.secret,
        region: config.region,
        env: {
          AWS_ACCESS_KEY_ID: KEY.id,
          AWS_SECRET_ACCESS_KEY: KEY.secret,
          AWS_DEFAULT_REGION: config.region,
          AWS_ENDPOINT_URL: ng.url,
        },
        stop: () => ng.close(),
      };
    });
    after(async () => {
      await ng?.close();
      await rm(dataDir, { recursive: true, force: true });
      await place.drop();
    });

    test('values never reach the disk, the logs or an error message in plain text', async () => {
      const sm = secretsClient(client);
      const ssm = ssmClient(client);
      const errors: string[] = [];
      const refused = async (p: Promise<unknown>) => {
        await assert.rejects(p, (e: Error) => {
          errors.push(`${e.name}: ${e.message}`);
          return true;
        });
      };

      await sm.send(new CreateSecretCommand({ Name: 'rest/db', SecretString: marks.secret }));
      await sm.send(new CreateSecretCommand({ Name: 'rest/bin', SecretBinary: Buffer.from(marks.binary) }));
      const cli = await aws(client.env, [
        'secretsmanager',
        'put-secret-value',
        '--secret-id',
        'rest/db',
        '--secret-string',
        `${marks.secret}-2`,
      ]);
      assert.equal(cli.code, 0, cli.stderr);
      await ssm.send(
        new PutParameterCommand({ Name: '/rest/secure', Type: 'SecureString', Value: marks.secure }),
      );
      await ssm.send(new PutParameterCommand({ Name: '/rest/plain', Type: 'String', Value: marks.plain }));
      assert.equal(
        (await sm.send(new GetSecretValueCommand({ SecretId: 'rest/db', VersionStage: 'AWSPREVIOUS' })))
          .SecretString,
        marks.secret,
      );
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/rest/secure' }));
      assert.ok(
        !leaks(JSON.stringify(history)).length,
        'history shows no SecureString value without decryption',
      );

      // Requests that fail over a value must not quote it back.
      await refused(
        sm.send(
          new PutSecretValueCommand({
            SecretId: 'rest/db',
            SecretString: marks.refused,
            ClientRequestToken: (await sm.send(new GetSecretValueCommand({ SecretId: 'rest/db' })))
              .VersionId!,
          }),
        ),
      );
      await refused(
        sm.send(new UpdateSecretCommand({ SecretId: 'rest/db', SecretString: marks.refused.repeat(2000) })),
      );
      await refused(
        ssm.send(
          new PutParameterCommand({
            Name: '/rest/pattern',
            Type: 'String',
            Value: marks.refused,
            AllowedPattern: '^\\d+$',
          }),
        ),
      );
      await refused(
        ssm.send(
          new PutParameterCommand({
            Name: '/rest/big',
            Type: 'SecureString',
            Value: marks.refused.repeat(200),
          }),
        ),
      );
      await refused(
        ssm.send(
          new PutParameterCommand({ Name: '/rest/secure', Type: 'SecureString', Value: marks.refused }),
        ),
      );
      const cliRefused = await aws(client.env, [
        'ssm',
        'put-parameter',
        '--name',
        '/rest/x y',
        '--type',
        'SecureString',
        '--value',
        marks.refused,
      ]);
      errors.push(cliRefused.stderr);
      assert.equal(errors.length, 6);
      assert.deepEqual(leaks(errors.join('\n')), [], errors.join('\n'));

      assert.ok(logLines.length > 0, 'the server logged at trace level');
      assert.deepEqual(leaks(logLines.join('')), []);

      if (databaseUrl) {
        const db = new pg.Client({ connectionString: databaseUrl });
        await db.connect();
        try {
          for (const table of ['secrets', 'secret_versions', 'ssm_parameters', 'ssm_parameter_versions']) {
            const rows = JSON.stringify((await db.query(`select * from ${table}`)).rows);
            assert.deepEqual(leaks(rows), [], `${table} holds a value in plain text`);
            assert.ok(!rows.includes(Buffer.from(marks.binary).toString('base64')));
          }
        } finally {
          await db.end();
        }
      }
      // While the server runs (SQLite's WAL included) and after it closed.
      for (const [path, bytes] of await filesUnder(dataDir)) {
        for (const m of Object.values(marks)) {
          assert.ok(!bytes.includes(m), `${path} holds a value in plain text`);
          assert.ok(!bytes.includes(Buffer.from(m).toString('base64')), `${path} holds a value in base64`);
        }
      }
    });

    test('after a restart every value still reads back, and the disk still holds none of them', async () => {
      await ng.close();
      for (const [path, bytes] of await filesUnder(dataDir)) {
        for (const m of Object.values(marks))
          assert.ok(!bytes.includes(m), `${path} holds a value in plain text`);
      }
      ng = await startNeargate(ng.config, { log: pino({ level: 'silent' }) });
      client = { ...client, ...ng, env: { ...client.env, AWS_ENDPOINT_URL: ng.url } };
      const sm = secretsClient(client);
      assert.equal(
        (await sm.send(new GetSecretValueCommand({ SecretId: 'rest/db' }))).SecretString,
        `${marks.secret}-2`,
      );
      const bin = await sm.send(new GetSecretValueCommand({ SecretId: 'rest/bin' }));
      assert.equal(Buffer.from(bin.SecretBinary!).toString(), marks.binary);
      const got = await aws(client.env, [
        'ssm',
        'get-parameter',
        '--name',
        '/rest/secure',
        '--with-decryption',
      ]);
      assert.equal(got.json.Parameter.Value, marks.secure);
    });
  });
}
