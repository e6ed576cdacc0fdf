import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateServiceCommand, ECSClient, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { writeImageArchive } from '../fixtures/images.ts';
import {
  createLoadBalancer,
  createTargetGroup,
  curl,
  forwardingListener,
  httpd,
  QUICK_CHECKS,
  states,
  waitForTargets,
} from '../support/load-balancing.ts';
import { BIN, type RunningNeargate, spawnNeargate } from '../support/spawn-neargate.ts';
import {
  cannotRunTasks,
  describeTask,
  isRunning,
  isStopped,
  registerTask,
  stopSpawnedNeargate,
  taskIp,
  waitForTask,
} from '../support/tasks.ts';

const run = promisify(execFile);
const hostEnv = {
  NEARGATE_HOST_PREFIX: 'tl',
  NEARGATE_CGROUP_PARENT: '/neargate-test-tl',
  NEARGATE_DEFAULT_VPC_CIDRS: '10.198.0.0/16',
  NEARGATE_LB_ADDRESS_BLOCK: '127.198.0.0/24',
};
const subnets = ['subnet-0000000a', 'subnet-0000000b'];

let dataDir: string;
let server: RunningNeargate | undefined;
const options = () => ({
  endpoint: server!.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'any' },
  maxAttempts: 1,
});
const ecs = () => new ECSClient(options());
const elb = () => new ElasticLoadBalancingV2Client(options());
const start = async () => {
  server = await spawnNeargate(['--data-dir', dataDir, '--insecure-accept-any-credentials'], hostEnv);
};

before(async () => {
  if (cannotRunTasks) return;
  dataDir = await mkdtemp(join(tmpdir(), 'neargate-lb-restart-'));
  await start();
  const archive = join(dataDir, 'busybox.tar');
  await writeImageArchive(archive, [{ references: ['busybox:latest'] }], { format: 'oci' });
  await run(BIN, ['image', 'load', archive, '--data-dir', dataDir]);
});
after(async () => {
  if (cannotRunTasks) return;
  await stopSpawnedNeargate(server, ecs, { dataDir, prefix: 'tl', cgroupParent: '/neargate-test-tl' });
});

test('SIGKILL the server while a task drains and another exits: after a restart the targets are exactly the running tasks again', {
  skip: cannotRunTasks,
  timeout: 600_000,
}, async () => {
  const lb = await createLoadBalancer(elb(), 'crash', { subnets });
  const tg = await createTargetGroup(elb(), lb, { Name: 'crash', ...QUICK_CHECKS });
  const tgArn = tg.TargetGroupArn!;
  await elb().send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: tgArn,
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '20' }],
    }),
  );
  await forwardingListener(elb(), lb, tg);
  const td = await registerTask(ecs(), [
    { name: 'web', command: httpd('hello from $(hostname)'), portMappings: [{ containerPort: 8080 }] },
  ]);
  await ecs().send(
    new CreateServiceCommand({
      serviceName: 'web',
      taskDefinition: td,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets } },
      loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: 8080 }],
    }),
  );
  await waitForTargets(
    elb(),
    tgArn,
    (t) => t.length === 2 && states(t).every((s) => s === 'healthy'),
    'two healthy targets',
  );
  const { taskArns = [] } = await ecs().send(new ListTasksCommand({ serviceName: 'web' }));
  const [draining, exiting] = await Promise.all(taskArns.map((a) => waitForTask(ecs(), a, isRunning)));

  // One task drains (its target deregistered, the task DEACTIVATING) when the server dies...
  await ecs().send(new StopTaskCommand({ task: draining!.taskArn! }));
  await waitForTask(ecs(), draining!.taskArn!, (t) => t.lastStatus === 'DEACTIVATING');
  await waitForTargets(
    elb(),
    tgArn,
    (t) => t.some((x) => x.Target!.Id === taskIp(draining!) && x.TargetHealth!.State === 'draining'),
    'the stopped task draining',
  );
  server!.child.kill('SIGKILL');
  await server!.exited;
  // ...and another one's container exits while the server is down.
  await run('runc', [
    '--root',
    join(dataDir, 'agent/runtime/runc'),
    'kill',
    exiting!.containers![0]!.runtimeId!,
    'KILL',
  ]);

  await start();
  const exited = await waitForTask(ecs(), exiting!.taskArn!, isStopped, 120_000);
  assert.equal(exited.stopCode, 'EssentialContainerExited');
  const drained = await waitForTask(ecs(), draining!.taskArn!, isStopped, 120_000);
  assert.equal(drained.stopCode, 'UserInitiated');

  const running = async () => {
    const { taskArns: live = [] } = await ecs().send(new ListTasksCommand({ serviceName: 'web' }));
    const tasks = await Promise.all(live.map((a) => describeTask(ecs(), a)));
    return tasks
      .filter((t) => t.lastStatus === 'RUNNING')
      .map(taskIp)
      .sort();
  };
  const targets = await waitForTargets(
    elb(),
    tgArn,
    (t) => t.length === 2 && states(t).every((s) => s === 'healthy'),
    'two healthy targets again',
    240_000,
  );
  assert.deepEqual(
    targets.map((t) => t.Target!.Id!).sort(),
    await running(),
    'the targets are the running tasks, each once',
  );
  const reply = await curl(`http://${lb.DNSName}/`);
  assert.equal(reply.status, 200);
  assert.match(reply.body, /^hello from /);
  const hosts = await readFile('/etc/hosts', 'utf8');
  assert.equal(
    hosts.split('\n').filter((l) => l.endsWith(`\t${lb.DNSName}`)).length,
    1,
    'the restarted server took over its own block of /etc/hosts',
  );
});
