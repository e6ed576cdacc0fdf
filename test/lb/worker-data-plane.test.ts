import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import pino from 'pino';
import { HostsFile } from '../../src/lb/hosts-file.ts';
import type { LbPlan } from '../../src/lb/lb-plan.ts';
import {
  alb,
  forward,
  freeListenerAddress,
  httpListener,
  refused,
  rule,
  simpleAlb,
  startBackend,
  targetGroup,
  until,
  untilState,
  workerDataPlane,
} from './support.ts';

const run = promisify(execFile);
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
const LB = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/1';

/** An HTTP server in a process of its own, answering `from the child`; its port. */
async function childBackend(t: { after: (fn: () => void) => void }): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => s.end('from the child'))
        .listen(0, '127.0.0.1', function () { console.log(this.address().port) })`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the backend exited with ${code}`)));
  });
}

test('the data plane has a thread of its own: it forwards while the main thread is blocked', async (t) => {
  const port = await childBackend(t);
  const dp = workerDataPlane(t);
  const { url } = await simpleAlb(dp, [targetGroup(TG, [{ id: '127.0.0.1', port }])]);
  await untilState(dp, TG, 'healthy', 1);
  // spawnSync holds this thread until curl is done: only another thread can answer it.
  const curl = spawnSync('curl', ['-sS', '--max-time', '10', `${url}/`], { encoding: 'utf8' });
  assert.equal(curl.stderr, '');
  assert.equal(curl.stdout, 'from the child');
});

test('target health and its changes reach the main thread', async (t) => {
  const backend = await startBackend('a');
  const dp = workerDataPlane(t);
  const changed: string[] = [];
  const off = dp.onHealthChange((arn) => changed.push(arn));
  t.after(off);
  await simpleAlb(dp, [targetGroup(TG, [backend])]);
  assert.deepEqual(
    dp.targetHealth(TG).map((h) => h.state),
    ['initial'],
    'answered as soon as apply resolves',
  );
  await untilState(dp, TG, 'healthy', 1);
  assert.ok(changed.includes(TG));
  const before = changed.length;
  await backend.close();
  await untilState(dp, TG, 'unhealthy', 1);
  assert.ok(changed.length > before);
  assert.deepEqual(
    dp.targetHealth('arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/2'),
    [],
  );
});

test('a failed apply rejects with the error from the thread, and what did apply is answered', async (t) => {
  const { address, port } = freeListenerAddress();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(port, address, resolve));
  t.after(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
  const dp = workerDataPlane(t);
  const lb = alb(LB, address, [httpListener(port, [rule('default', [], forward(TG))])]);
  await assert.rejects(
    dp.apply({ targetGroups: [targetGroup(TG, [])], loadBalancers: [lb] }),
    (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE',
  );
  // No task address (no host addresses given): tasks cannot reach it, but the name is known.
  assert.deepEqual(dp.lookupForTasks(lb.dnsName.toUpperCase()), []);
  assert.deepEqual(dp.lookupForTasks(`dualstack.${lb.dnsName}.`), []);
  assert.equal(dp.lookupForTasks('example.com'), undefined);
});

test("the thread's logs reach the main thread's logger, with their fields", async (t) => {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const dp = workerDataPlane(t, { log: log.child({ part: 'lb' }) });
  const { address, port } = freeListenerAddress();
  const listener = { ...httpListener(port, [rule('default', [], forward(TG))]), protocol: 'HTTPS' as const };
  await dp.apply({ targetGroups: [targetGroup(TG, [])], loadBalancers: [alb(LB, address, [listener])] });
  await until(() => lines.length > 0, 'a warning');
  assert.equal(lines[0]!.msg, 'listener protocol not served by this data plane: not bound');
  assert.equal(lines[0]!.level, 40);
  assert.equal(lines[0]!.part, 'lb');
  assert.equal(lines[0]!.listenerArn, listener.arn);
});

test('host addresses are set from the main thread; a failure fails the apply, and the next apply retries it', {
  skip: process.getuid?.() !== 0 && 'needs root, for addresses on lo',
}, async (t) => {
  const calls: string[] = [];
  const ip = (...args: string[]) => run('ip', args);
  const added = new Set<string>();
  t.after(async () => {
    for (const a of added) await ip('addr', 'del', `${a}/32`, 'dev', 'lo').catch(() => {});
  });
  let failOpen = true;
  const record = (what: string) => {
    calls.push(`${what}${isMainThread ? '' : ' (not on the main thread)'}`);
  };
  const dp = workerDataPlane(t, {
    hostAddresses: {
      ensure: async (address) => {
        record(`ensure ${address}`);
        added.add(address);
        await ip('addr', 'replace', `${address}/32`, 'dev', 'lo');
      },
      remove: async (address) => {
        record(`remove ${address}`);
        await ip('addr', 'del', `${address}/32`, 'dev', 'lo');
      },
      // Not async: it throws at once, which must fail the apply, not the main thread.
      openPort: (address, port) => {
        record(`open ${address}:${port}`);
        if (failOpen) throw new Error('nft said no');
        return Promise.resolve();
      },
      closePort: async (address, port) => record(`close ${address}:${port}`),
    },
    listenerGraceMs: 0,
  });
  const { address, port } = freeListenerAddress();
  const plan: LbPlan = {
    targetGroups: [targetGroup(TG, [])],
    loadBalancers: [alb(LB, address, [httpListener(port, [rule('default', [], forward(TG))])])],
  };
  await assert.rejects(dp.apply(plan), /nft said no/);
  const taskAddress = dp.taskAddress(LB);
  assert.match(taskAddress ?? '', /^169\.254\./);
  assert.deepEqual(dp.lookupForTasks(plan.loadBalancers[0]!.dnsName), [taskAddress]);
  failOpen = false;
  await dp.apply(plan);
  await dp.apply({ targetGroups: [], loadBalancers: [] });
  await until(() => calls.length === 5, `five calls: ${calls.join(', ')}`);
  assert.deepEqual(calls, [
    `ensure ${taskAddress}`,
    `open ${taskAddress}:${port}`,
    `open ${taskAddress}:${port}`,
    `close ${taskAddress}:${port}`,
    `remove ${taskAddress}`,
  ]);
  assert.equal(dp.taskAddress(LB), undefined);
  assert.equal(dp.lookupForTasks(plan.loadBalancers[0]!.dnsName), undefined);
});

test('close lets go of the ports; an apply after it fails', async (t) => {
  const dp = workerDataPlane(t);
  const { address, port } = await simpleAlb(dp, [targetGroup(TG, [])]);
  assert.equal(await refused(address, port), false);
  await dp.close();
  assert.equal(await refused(address, port), true);
  await assert.rejects(dp.apply({ targetGroups: [], loadBalancers: [] }), /closed/);
});

test('the names go into the hosts file from the thread and out on close; an empty plan with no thread clears what a killed server left', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-hosts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'hosts');
  await writeFile(path, '127.0.0.1\tlocalhost\n');
  const owner = `/var/lib/neargate-${process.pid}`;
  // A block that a killed server (same owner, another pid) left behind.
  await new HostsFile({ path, owner, pid: 999_999_999, isAlive: () => true }).write([
    { address: '127.9.9.9', name: 'gone-1.us-east-1.elb.amazonaws.com' },
  ]);
  assert.match(await readFile(path, 'utf8'), /gone-1/);

  const empty = workerDataPlane(t, { hostsFile: { owner, path } });
  await empty.apply({ targetGroups: [], loadBalancers: [] });
  assert.equal(await readFile(path, 'utf8'), '127.0.0.1\tlocalhost\n');
  await empty.close();

  const dp = workerDataPlane(t, { hostsFile: { owner, path } });
  const { address, plan } = await simpleAlb(dp, [targetGroup(TG, [])]);
  const name = plan.loadBalancers[0]!.dnsName;
  assert.match(
    await readFile(path, 'utf8'),
    new RegExp(`^${address.replaceAll('.', '\\.')}\\t${name}$`, 'm'),
  );
  await dp.close();
  assert.equal(await readFile(path, 'utf8'), '127.0.0.1\tlocalhost\n');
});
