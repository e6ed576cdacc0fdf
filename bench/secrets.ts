/**
 * What secrets cost: GetSecretValue, GetParameter WithDecryption and PutSecretValue through the
 * AWS SDK against a server in this process (SQLite), one at a time and 20 at once; and the time a
 * task's start spends resolving 10 container secrets (5 JSON keys of secrets, 5 SecureStrings).
 *
 *   node --import tsx bench/secrets.ts [--runs 500]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import pino from 'pino';
import { resolveConfig } from '../src/config.ts';
import { resolveContainerSecrets } from '../src/control/resolve-container-secret.ts';
import { systemClock } from '../src/core/clock.ts';
import { randomIds } from '../src/core/ids.ts';
import { startNeargate } from '../src/main.ts';
import { markdownTable, ms, percentile, record } from './results.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 500);
const PARALLEL = 20;
const KEY = { id: 'AKIABENCHBENCHBENCHB', secret: 'bench/secret/key/0123456789abcdefghijklm' };

const dataDir = await mkdtemp(join(tmpdir(), 'neargate-bench-secrets-'));
const config = resolveConfig(
  { port: 0, dataDir, logLevel: 'silent' },
  { NEARGATE_ACCESS_KEY_ID: KEY.id, NEARGATE_SECRET_ACCESS_KEY: KEY.secret },
);
const ng = await startNeargate(config, { log: pino({ level: 'silent' }) });
const options = {
  endpoint: ng.url,
  region: config.region,
  credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret },
  maxAttempts: 1,
};
const sm = new SecretsManagerClient(options);
const ssm = new SSMClient(options);

async function measure(once: () => Promise<unknown>, parallel: number) {
  for (let i = 0; i < 20; i++) await once();
  const times: number[] = [];
  const t0 = performance.now();
  for (let done = 0; done < RUNS; done += parallel) {
    times.push(
      ...(await Promise.all(
        Array.from({ length: parallel }, async () => {
          const t = performance.now();
          await once();
          return performance.now() - t;
        }),
      )),
    );
  }
  return { times, perSecond: (RUNS / (performance.now() - t0)) * 1000 };
}

try {
  const doc = JSON.stringify({ user: 'app', password: 'p'.repeat(32), host: 'db.internal', port: 5432 });
  const secrets: { name: string; valueFrom: string }[] = [];
  for (let i = 0; i < 5; i++) {
    const made = await sm.send(new CreateSecretCommand({ Name: `bench/db-${i}`, SecretString: doc }));
    secrets.push({ name: `DB_${i}`, valueFrom: `${made.ARN}:password::` });
    await ssm.send(
      new PutParameterCommand({ Name: `/bench/key-${i}`, Type: 'SecureString', Value: 'k'.repeat(40) }),
    );
    secrets.push({ name: `KEY_${i}`, valueFrom: `/bench/key-${i}` });
  }
  const src = { store: ng.store, cipher: ng.cipher, ids: randomIds, clock: systemClock };
  const scope = { account: config.accountId, region: config.region };

  const cases: [string, () => Promise<unknown>][] = [
    ['GetSecretValue', () => sm.send(new GetSecretValueCommand({ SecretId: 'bench/db-0' }))],
    [
      'GetParameter WithDecryption',
      () => ssm.send(new GetParameterCommand({ Name: '/bench/key-0', WithDecryption: true })),
    ],
    [
      'PutSecretValue (a write)',
      () => sm.send(new PutSecretValueCommand({ SecretId: 'bench/db-1', SecretString: doc })),
    ],
  ];
  const rows: string[][] = [];
  for (const [name, once] of cases) {
    for (const parallel of [1, PARALLEL]) {
      const { times, perSecond } = await measure(once, parallel);
      rows.push([
        name,
        parallel === 1 ? 'one at a time' : `${parallel} at once`,
        ms(percentile(times, 50)),
        ms(percentile(times, 95)),
        perSecond.toFixed(0),
      ]);
    }
  }
  const { times } = await measure(() => resolveContainerSecrets(src, scope, secrets), 1);
  const table = markdownTable(['through the SDK', 'concurrency', 'p50', 'p95', 'per second'], rows);
  const resolution = markdownTable(
    ["resolving a container's 10 secrets at task start (in process, no HTTP)", 'p50', 'p95'],
    [
      [
        '5 JSON keys of Secrets Manager secrets + 5 SecureString parameters',
        ms(percentile(times, 50)),
        ms(percentile(times, 95)),
      ],
    ],
  );
  await record(
    'Secrets',
    `node --import tsx bench/secrets.ts --runs ${RUNS}`,
    `${RUNS} requests per row, SDK and server in one process, SQLite store.\n\n${table}\n\n${resolution}`,
  );
} finally {
  await ng.close();
  await rm(dataDir, { recursive: true, force: true });
}
