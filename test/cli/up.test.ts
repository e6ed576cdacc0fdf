import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { aws } from '../support/aws-cli.ts';
import { BIN, spawnNeargate } from '../support/spawn-neargate.ts';

const run = promisify(execFile);
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'neargate-up-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

const cliEnv = (url: string, id: string, secret: string) => ({
  AWS_ENDPOINT_URL: url,
  AWS_ACCESS_KEY_ID: id,
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_DEFAULT_REGION: 'us-east-1',
});

describe('bin/neargate', () => {
  test('--help documents every command and flag', async () => {
    // Every command the top-level help lists, and the commands below them, down to the leaves.
    const helps = new Map<string, string>();
    const visit = async (path: string[]) => {
      const { stdout } = await run(BIN, [...path, '--help']);
      helps.set(path.join(' '), stdout);
      const commands = stdout.split(/^Commands:$/m)[1] ?? '';
      for (const m of commands.matchAll(/^ {2}([a-z][a-z-]*)(?: [^\n]*?)? {2,}(\S[^\n]*)$/gm)) {
        if (m[1] === 'help') continue;
        assert.ok(m[2]!.trim().length > 10, `${[...path, m[1]].join(' ')} has a description`);
        await visit([...path, m[1]!]);
      }
    };
    await visit([]);
    assert.deepEqual([...helps.keys()].sort(), [
      '',
      'image',
      'image load',
      'image ls',
      'image rm',
      'spot',
      'spot interrupt',
      'up',
    ]);
    // Each flag is listed with what it does.
    for (const [command, text] of helps) {
      for (const m of (text.split(/^Options:$/m)[1] ?? '').matchAll(
        /^ {2}(?:-\w, )?(--[a-z-]+)([^\n]*)$/gm,
      )) {
        if (m[1] === '--help') continue;
        assert.match(m[2]!, /\S.{10,}/, `neargate ${command} ${m[1]} is described`);
      }
    }
    const up = helps.get('up')!;
    for (const flag of [
      '--host',
      '--port',
      '--data-dir',
      '--database-url',
      '--region',
      '--account-id',
      '--insecure-accept-any-credentials',
      '--log-level',
    ]) {
      assert.ok(up.includes(flag), flag);
    }
    assert.match(helps.get('image load')!, /--data-dir/);
    for (const flag of ['--task', '--count', '--rate-per-hour', '--data-dir'])
      assert.ok(helps.get('spot interrupt')!.includes(flag), flag);
    // Every variable neargate reads is documented: the source is the list.
    const read = new Set<string>();
    for (const file of await readdir(new URL('../../src/', import.meta.url), { recursive: true })) {
      if (!file.endsWith('.ts')) continue;
      const text = await readFile(new URL(`../../src/${file}`, import.meta.url), 'utf8');
      for (const m of text.matchAll(/env\.(NEARGATE_[A-Z_]+)/g)) read.add(m[1]!);
    }
    assert.ok(read.size >= 15, `found the variables read: ${[...read]}`);
    for (const name of read) assert.ok(up.includes(name), `${name} is in neargate up --help`);
  });

  test('a bad option is refused with a message, not a stack trace', async () => {
    await assert.rejects(
      run(BIN, ['up', '--account-id', 'abc', '--data-dir', dataDir]),
      (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr, /account/);
        return true;
      },
    );
  });

  test('first start prints a root key once; it survives SIGKILL with what was stored; SIGTERM stops cleanly', async () => {
    const first = await spawnNeargate(['--data-dir', dataDir]);
    const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(first.output())?.[1];
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(first.output())?.[1];
    assert.ok(id && secret, first.output());
    assert.match(first.output(), new RegExp(`aws --endpoint-url ${first.url} ecs list-clusters`));
    const env = cliEnv(first.url, id, secret);
    const created = await aws(env, ['ecs', 'create-cluster', '--cluster-name', 'survivor']);
    assert.equal(created.code, 0, created.stderr);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnNeargate(['--data-dir', dataDir]);
    assert.doesNotMatch(second.output(), /AWS_SECRET_ACCESS_KEY/, 'the key is printed only once');
    const listed = await aws(cliEnv(second.url, id, secret), ['ecs', 'list-clusters']);
    assert.deepEqual(listed.json.clusterArns, ['arn:aws:ecs:us-east-1:000000000000:cluster/survivor']);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
    assert.match(second.output(), /SIGTERM, stopping/);
    assert.equal(((await stat(dataDir)).mode & 0o777).toString(8), '700');
  });

  test('--account-id, --region and --host choose the root account, the printed region and the address', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'neargate-account-'));
    const ng = await spawnNeargate([
      '--data-dir',
      dir,
      '--account-id',
      '123456789012',
      '--region',
      'eu-west-1',
      '--host',
      '127.0.0.2',
    ]);
    try {
      const served = /neargate is serving (\S+)/.exec(ng.output())![1]!;
      assert.equal(new URL(served).hostname, '127.0.0.2');
      assert.equal(new URL(served).port, new URL(ng.url).port);
      await assert.rejects(fetch(ng.url), 'nothing listens on 127.0.0.1');
      assert.match(ng.output(), /root access key of account 123456789012/);
      assert.match(ng.output(), /export AWS_DEFAULT_REGION=eu-west-1/);
      const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(ng.output())![1]!;
      const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(ng.output())![1]!;
      const env = { ...cliEnv(served, id, secret), AWS_DEFAULT_REGION: 'eu-west-1' };
      const created = await aws(env, ['ecs', 'create-cluster', '--cluster-name', 'mine']);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.json.cluster.clusterArn, 'arn:aws:ecs:eu-west-1:123456789012:cluster/mine');
    } finally {
      ng.child.kill('SIGTERM');
      await ng.exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('NEARGATE_ACCESS_KEY_ID and NEARGATE_SECRET_ACCESS_KEY choose the root key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'neargate-env-'));
    const ng = await spawnNeargate(['--data-dir', dir], {
      NEARGATE_ACCESS_KEY_ID: 'AKIAMYOWNKEY00000000',
      NEARGATE_SECRET_ACCESS_KEY: 'my-own-secret',
    });
    try {
      assert.doesNotMatch(ng.output(), /AWS_SECRET_ACCESS_KEY/);
      const ok = await aws(cliEnv(ng.url, 'AKIAMYOWNKEY00000000', 'my-own-secret'), ['ecs', 'list-clusters']);
      assert.equal(ok.code, 0, ok.stderr);
      const bad = await aws(cliEnv(ng.url, 'AKIAMYOWNKEY00000000', 'not-it'), ['ecs', 'list-clusters']);
      assert.match(bad.stderr, /InvalidSignatureException/);
    } finally {
      ng.child.kill('SIGINT');
      assert.equal(await ng.exited, 0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('--database-url keeps the state in PostgreSQL', {
    skip: process.env.NEARGATE_TEST_POSTGRES_URL
      ? false
      : 'needs NEARGATE_TEST_POSTGRES_URL (npm test sets it)',
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'neargate-pg-'));
    const url = process.env.NEARGATE_TEST_POSTGRES_URL!;
    const pg = await import('pg');
    const db = `neargate_up_${process.pid}`;
    const admin = new pg.default.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop database if exists ${db} with (force)`);
    await admin.query(`create database ${db}`);
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${db}`;
    const ng = await spawnNeargate([
      '--data-dir',
      dir,
      '--database-url',
      dbUrl.toString(),
      '--insecure-accept-any-credentials',
    ]);
    try {
      const env = cliEnv(ng.url, 'AKIAANY', 'any');
      assert.equal((await aws(env, ['ecs', 'create-cluster', '--cluster-name', 'in-pg'])).code, 0);
      const rows = await admin.query(`select 1 from pg_database where datname = $1`, [db]);
      assert.equal(rows.rowCount, 1);
      const check = new pg.default.Client({ connectionString: dbUrl.toString() });
      await check.connect();
      const clusters = await check.query('select name from clusters');
      await check.end();
      assert.deepEqual(
        clusters.rows.map((r) => r.name),
        ['in-pg'],
      );
    } finally {
      ng.child.kill('SIGTERM');
      await ng.exited;
      await admin.query(`drop database if exists ${db} with (force)`);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
