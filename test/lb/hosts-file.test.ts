import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { HostsFile } from '../../src/lb/hosts-file.ts';
import {
  alb,
  dataPlane,
  fetchText,
  forward,
  freeListenerAddress,
  httpListener,
  rule,
  startBackend,
  targetGroup,
} from './support.ts';

const run = promisify(execFile);

async function tempHosts(t: { after: (fn: () => Promise<void>) => void }, content: string) {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-hosts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'hosts');
  await writeFile(path, content);
  return path;
}

const USER = '127.0.0.1 localhost\n# my own comment\n10.1.2.3 db.internal\n';

test("a server's block holds its names; the user's lines and live servers' blocks stay; dead servers' blocks go", async (t) => {
  const path = await tempHosts(t, USER);
  const alive = new Set([101, 202]);
  const isAlive = (pid: number) => alive.has(pid);
  const one = new HostsFile({ path, owner: '/var/lib/one', pid: 101, isAlive });
  const two = new HostsFile({ path, owner: '/var/lib/two', pid: 202, isAlive });
  const dead = new HostsFile({ path, owner: '/var/lib/dead', pid: 303, isAlive: () => true });
  await dead.write([{ address: '127.9.9.9', name: 'dead.elb.amazonaws.com' }]);
  await one.write([
    { address: '127.1.0.2', name: 'b.elb.amazonaws.com' },
    { address: '127.1.0.1', name: 'a.elb.amazonaws.com' },
  ]);
  await two.write([{ address: '127.2.0.1', name: 'c.elb.amazonaws.com' }]);
  const text = await readFile(path, 'utf8');
  assert.ok(text.startsWith(USER), 'the user lines first, untouched');
  assert.ok(!text.includes('dead.elb'), 'a dead server’s block is dropped');
  assert.ok(text.includes('127.1.0.1\ta.elb.amazonaws.com\n127.1.0.2\tb.elb.amazonaws.com\n'));
  assert.ok(text.includes('127.2.0.1\tc.elb.amazonaws.com\n'));

  // A restarted server (a new pid, the same owner) replaces its own block.
  const again = new HostsFile({ path, owner: '/var/lib/one', pid: 102, isAlive });
  alive.add(102);
  await again.write([{ address: '127.1.0.3', name: 'd.elb.amazonaws.com' }]);
  const after = await readFile(path, 'utf8');
  assert.ok(!after.includes('a.elb.amazonaws.com'));
  assert.ok(after.includes('127.1.0.3\td.elb.amazonaws.com'));
  assert.ok(after.includes('c.elb.amazonaws.com'), 'the other server’s block is kept');
  assert.equal(after.match(/\/var\/lib\/one/g)?.length, 2, 'one block (begin and end lines) per owner');

  await again.remove();
  await two.remove();
  assert.equal(await readFile(path, 'utf8'), USER, 'back to the user’s file exactly');
});

test('after a crash: a lock left by a dead process is taken over, the dead server’s block replaced on restart', async (t) => {
  const path = await tempHosts(t, USER);
  const crashed = new HostsFile({ path, owner: '/var/lib/ng', pid: 4242, isAlive: () => true });
  await crashed.write([{ address: '127.5.0.1', name: 'old.elb.amazonaws.com' }]);
  await writeFile(`${path}.neargate-lock`, '4242'); // it died holding the lock
  const restarted = new HostsFile({ path, owner: '/var/lib/ng', pid: 4343, isAlive: (pid) => pid === 4343 });
  await restarted.write([{ address: '127.5.0.2', name: 'new.elb.amazonaws.com' }]);
  const text = await readFile(path, 'utf8');
  assert.ok(!text.includes('old.elb') && text.includes('127.5.0.2\tnew.elb.amazonaws.com'), text);
  await assert.rejects(readFile(`${path}.neargate-lock`), { code: 'ENOENT' }, 'the lock is released');
});

test('concurrent writers on one hosts file lose nothing (the lock serialises them)', async (t) => {
  const path = await tempHosts(t, USER);
  const writers = Array.from(
    { length: 8 },
    (_, i) => new HostsFile({ path, owner: `/srv/${i}`, pid: process.pid }),
  );
  await Promise.all(
    writers.map((w, i) => w.write([{ address: `127.3.0.${i + 1}`, name: `n${i}.elb.amazonaws.com` }])),
  );
  const text = await readFile(path, 'utf8');
  for (let i = 0; i < 8; i++) assert.ok(text.includes(`127.3.0.${i + 1}\tn${i}.elb.amazonaws.com`), text);
  await Promise.all(writers.map((w) => w.remove()));
  assert.equal(await readFile(path, 'utf8'), USER);
});

test('load balancer names appear in /etc/hosts (getent and curl resolve them) and disappear with them', {
  skip: process.getuid?.() !== 0 && 'writing /etc/hosts needs root',
}, async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const hostsFile = new HostsFile({ owner: `neargate-test-${process.pid}` });
  const dp = dataPlane(t, { hostsFile });
  const { address, port } = freeListenerAddress();
  const TG = 'arn:tg/hosts';
  const lb = alb('arn:lb/hosts', address, [httpListener(port, [rule('default', [], forward(TG))])]);
  await dp.apply({ targetGroups: [targetGroup(TG, [backend])], loadBalancers: [lb] });
  const { stdout } = await run('getent', ['hosts', lb.dnsName]);
  assert.equal(stdout.trim().split(/\s+/)[0], address);
  const { stdout: body } = await run('curl', ['-s', `http://${lb.dnsName}:${port}/`]);
  assert.equal(JSON.parse(body).backend, 'a');
  assert.equal((await fetchText(`http://${lb.dnsName}:${port}/`)).status, 200, 'Node resolves it too');

  await dp.apply({ targetGroups: [], loadBalancers: [] });
  const gone = await run('getent', ['hosts', lb.dnsName]).then(
    () => 'resolved',
    (e: { code: number }) => e.code,
  );
  assert.equal(gone, 2, 'getent: not found');
  const after = await readFile('/etc/hosts', 'utf8');
  assert.ok(!after.includes(lb.dnsName) && !after.includes(`neargate-test-${process.pid}`), after);
});
