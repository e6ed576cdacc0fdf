import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { ecsClient } from '../support/ecs-client.ts';
import {
  cannotRunTasks,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  SERVE,
  startTaskNeargate,
  type TaskNeargate,
  taskIp,
  waitForTask,
} from '../support/tasks.ts';

const run = promisify(execFile);
const HTTPD = ['httpd', '-f', '-p', '80', '-h', '/etc'];
/** busybox 1.35's `wget -T` crashes; `timeout` bounds it instead. */
const wget = (url: string, seconds = 3) => `timeout ${seconds} wget -q -O /tmp/out ${url}`;

/**
 * "Outside the VPC": a namespace on its own network, routed through the host, with a web
 * server that answers with the address it sees. Only the rules decide who gets out, and the
 * address tells whether NAT happened.
 */
const upstream = {
  netns: 'ngt-up',
  hostVeth: 'ngt-up0',
  hostAddress: '198.51.101.1',
  address: '198.51.101.2',
};

async function removeUpstream() {
  await run('ip', ['link', 'del', upstream.hostVeth]).catch(() => {});
  await run('ip', ['netns', 'del', upstream.netns]).catch(() => {});
}

async function makeUpstream(webRoot: string): Promise<ChildProcess> {
  await removeUpstream();
  const ip = (args: string[]) => run('ip', args);
  await ip(['netns', 'add', upstream.netns]);
  await ip([
    'link',
    'add',
    upstream.hostVeth,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    upstream.netns,
  ]);
  await ip(['addr', 'add', `${upstream.hostAddress}/24`, 'dev', upstream.hostVeth]);
  await ip(['link', 'set', upstream.hostVeth, 'up']);
  for (const args of [
    ['link', 'set', 'lo', 'up'],
    ['link', 'set', 'eth0', 'up'],
    ['addr', 'add', `${upstream.address}/24`, 'dev', 'eth0'],
    ['route', 'add', 'default', 'via', upstream.hostAddress],
  ]) {
    await ip(['-n', upstream.netns, ...args]);
  }
  return spawn('ip', ['netns', 'exec', upstream.netns, 'busybox', 'httpd', '-f', '-p', '80', '-h', webRoot], {
    stdio: 'ignore',
  });
}

describe('awsvpc networking', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  let webRoot: string;
  let upstreamHttpd: ChildProcess | undefined;
  before(async () => {
    ng = await startTaskNeargate();
    webRoot = await mkdtemp(join(tmpdir(), 'neargate-upstream-'));
    await mkdir(join(webRoot, 'cgi-bin'));
    await writeFile(
      join(webRoot, 'cgi-bin', 'whoami'),
      '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s" "$REMOTE_ADDR"\n',
    );
    await chmod(join(webRoot, 'cgi-bin', 'whoami'), 0o755);
    upstreamHttpd = await makeUpstream(webRoot);
  });
  after(async () => {
    upstreamHttpd?.kill();
    await removeUpstream();
    await ng?.stop();
    await rm(webRoot, { recursive: true, force: true });
  });

  async function exitCodeOf(td: string, extra: Parameters<typeof runTask>[2] = {}) {
    const t = await runTask(ng.client, td, extra);
    return (await waitForTask(ng.client, t.taskArn!, isStopped, 30_000)).containers!.find(
      (c) => c.name === 'client',
    )!.exitCode;
  }
  const client = (script: string) => ({ name: 'client', command: ['sh', '-c', script] });

  test('containers of a task share its network namespace and reach each other on localhost', async () => {
    const td = await registerTask(ng.client, [
      { name: 'web', essential: false, command: ['httpd', '-f', '-p', '8080', '-h', '/etc'], stopTimeout: 1 },
      {
        ...client(
          `for i in 1 2 3 4 5 6 7 8 9 10; do ${wget('http://localhost:8080/hostname')} && break; sleep 0.2; done; grep -q ec2.internal /tmp/out || exit 5`,
        ),
        dependsOn: [{ containerName: 'web', condition: 'START' }],
      },
    ]);
    assert.equal(await exitCodeOf(td), 0);
  });

  test('tasks in one VPC reach each other across subnets', async () => {
    const web = await runTask(
      ng.client,
      await registerTask(ng.client, [{ name: 'web', command: HTTPD, stopTimeout: 1 }]),
      {
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0000a001'] } },
      },
    );
    const ip = taskIp(await waitForTask(ng.client, web.taskArn!, isRunning));
    const td = await registerTask(ng.client, [client(`${wget(`http://${ip}/hostname`)} || exit 6`)]);
    assert.equal(
      await exitCodeOf(td, {
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0000a002'] } },
      }),
      0,
    );
    await ng.client.send(new StopTaskCommand({ task: web.taskArn! }));
  });

  test('tasks in different VPCs do not reach each other', async () => {
    // Another region has its own default VPC.
    const west = ecsClient(ng, { region: 'eu-west-1' });
    const web = await runTask(
      west,
      await registerTask(west, [{ name: 'web', command: HTTPD, stopTimeout: 1 }]),
      {
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0000b001'] } },
      },
    );
    const ip = taskIp(await waitForTask(west, web.taskArn!, isRunning));
    const probe = `${wget(`http://${ip}/hostname`, 2)} && exit 7; exit 0`;
    assert.equal(await exitCodeOf(await registerTask(ng.client, [client(probe)])), 0, 'no way across');
    await west.send(new StopTaskCommand({ task: web.taskArn! }));
    await waitForTask(west, web.taskArn!, isStopped);
  });

  test('egress leaves the VPC, masqueraded, only with assignPublicIp ENABLED', async () => {
    const whoami = `http://${upstream.address}/cgi-bin/whoami`;
    const td = await registerTask(ng.client, [
      // busybox httpd writes REMOTE_ADDR as [::ffff:a.b.c.d].
      client(`${wget(whoami)} || exit 8; grep -q ':${upstream.hostAddress}]' /tmp/out || exit 9`),
    ]);
    assert.equal(
      await exitCodeOf(td, {
        networkConfiguration: {
          awsvpcConfiguration: { subnets: ['subnet-0000000a'], assignPublicIp: 'ENABLED' },
        },
      }),
      0,
      'out, seen as the host',
    );
    assert.equal(
      await exitCodeOf(td, {
        networkConfiguration: {
          awsvpcConfiguration: { subnets: ['subnet-0000000a'], assignPublicIp: 'DISABLED' },
        },
      }),
      8,
      'no way out without a public IP',
    );
  });

  test('the host reaches the task: SERVE tasks are pingable', async () => {
    const t = await runTask(ng.client, await registerTask(ng.client, [{ name: 'app', command: SERVE }]));
    const ip = taskIp(await waitForTask(ng.client, t.taskArn!, isRunning));
    await run('busybox', ['ping', '-c', '1', '-W', '2', ip]);
    await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
  });
});
