import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pino from 'pino';
import { LocalAgent } from '../../src/agent/local-agent.ts';
import { writeImageArchive } from '../fixtures/images.ts';
import { aws } from '../support/aws-cli.ts';
import { BIN, type RunningNeargate, spawnNeargate } from '../support/spawn-neargate.ts';
import { cannotRunTasks, SERVE } from '../support/tasks.ts';

// NEARGATE_SPOT_INTERRUPTIONS_PER_HOUR, set when `neargate up` starts, as a user sets it.

const run = promisify(execFile);
const PREFIX = 'sp';
const hostEnv = {
  NEARGATE_HOST_PREFIX: PREFIX,
  NEARGATE_CGROUP_PARENT: `/neargate-test-${PREFIX}`,
  NEARGATE_DEFAULT_VPC_CIDRS: '10.197.0.0/16',
  NEARGATE_LB_DATA_PLANE: 'off',
  NEARGATE_TASK_HEALTHY_AFTER_MS: '1000',
  // One interruption a second on average, at random: within seconds of a Spot task starting.
  NEARGATE_SPOT_INTERRUPTIONS_PER_HOUR: '3600',
};
const network = 'awsvpcConfiguration={subnets=[subnet-000000f1]}';

let dataDir: string;
let server: RunningNeargate | undefined;
const env = () => ({
  AWS_ACCESS_KEY_ID: 'AKIATEST',
  AWS_SECRET_ACCESS_KEY: 'any',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: server!.url,
});
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read as the test needs it.
async function ecs(args: readonly string[]): Promise<any> {
  const out = await aws(env(), ['ecs', ...args]);
  assert.equal(out.code, 0, `aws ecs ${args.join(' ')}: ${out.stderr}`);
  return out.json;
}

before(async () => {
  if (cannotRunTasks) return;
  dataDir = await mkdtemp(join(tmpdir(), 'neargate-spot-rate-'));
  server = await spawnNeargate(['--data-dir', dataDir, '--insecure-accept-any-credentials'], hostEnv);
  const archive = join(dataDir, 'busybox.tar');
  await writeImageArchive(archive, [{ references: ['busybox:latest'] }], { format: 'oci' });
  await run(BIN, ['image', 'load', archive, '--data-dir', dataDir]);
});
after(async () => {
  if (cannotRunTasks) return;
  if (server && server.child.exitCode === null) {
    await run(BIN, ['spot', 'interrupt', '--rate-per-hour', '0', '--data-dir', dataDir]).catch(() => {});
    for (const [cluster, service] of [
      ['spot-rate', 'spot'],
      ['spot-rate', 'on-demand'],
    ]) {
      await aws(env(), ['ecs', 'delete-service', '--cluster', cluster!, '--service', service!, '--force']);
    }
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const out = await aws(env(), ['ecs', 'list-tasks', '--cluster', 'spot-rate']);
      if (out.code === 0 && out.json.taskArns.length === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    server.child.kill('SIGTERM');
    await server.exited;
  }
  const agent = await LocalAgent.start({
    root: join(dataDir, 'agent'),
    log: pino({ level: 'silent' }),
    prefix: PREFIX,
    cgroupParent: `/neargate-test-${PREFIX}`,
  });
  await agent.teardown();
  await agent.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('NEARGATE_SPOT_INTERRUPTIONS_PER_HOUR at start interrupts Spot tasks at random, and only Spot tasks; the service replaces them', {
  skip: cannotRunTasks,
  timeout: 600_000,
}, async () => {
  await ecs([
    'create-cluster',
    '--cluster-name',
    'spot-rate',
    '--capacity-providers',
    'FARGATE',
    'FARGATE_SPOT',
  ]);
  const reg = await ecs([
    'register-task-definition',
    '--family',
    'spot-rate',
    '--requires-compatibilities',
    'FARGATE',
    '--network-mode',
    'awsvpc',
    '--cpu',
    '256',
    '--memory',
    '512',
    '--container-definitions',
    JSON.stringify([{ name: 'app', image: 'busybox', command: SERVE, stopTimeout: 2 }]),
  ]);
  const td = reg.taskDefinition.taskDefinitionArn;
  const common = ['--cluster', 'spot-rate', '--task-definition', td, '--network-configuration', network];
  await ecs([
    'create-service',
    '--service-name',
    'on-demand',
    '--desired-count',
    '1',
    '--launch-type',
    'FARGATE',
    ...common,
  ]);
  await ecs([
    'create-service',
    '--service-name',
    'spot',
    '--desired-count',
    '1',
    '--capacity-provider-strategy',
    'capacityProvider=FARGATE_SPOT,weight=1',
    ...common,
  ]);

  // Nothing here asks for an interruption: the rate set at start does them. Wait for three.
  const interrupted = new Map<string, Record<string, unknown>>();
  const deadline = Date.now() + 300_000;
  while (interrupted.size < 3) {
    assert.ok(Date.now() < deadline, `only ${interrupted.size} interruptions`);
    const stopped = await ecs([
      'list-tasks',
      '--cluster',
      'spot-rate',
      '--service-name',
      'spot',
      '--desired-status',
      'STOPPED',
    ]);
    const fresh = stopped.taskArns.filter((a: string) => !interrupted.has(a));
    if (fresh.length > 0) {
      const { tasks } = await ecs(['describe-tasks', '--cluster', 'spot-rate', '--tasks', ...fresh]);
      for (const t of tasks) interrupted.set(t.taskArn, t);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const t of interrupted.values()) {
    assert.equal(t.stopCode, 'SpotInterruption');
    assert.equal(t.stoppedReason, 'Your Spot Task was interrupted.');
    assert.equal(t.capacityProviderName, 'FARGATE_SPOT');
  }
  // Each interrupted task was replaced (the one after the last may be on its way).
  const spot = await ecs(['describe-services', '--cluster', 'spot-rate', '--services', 'spot']);
  const started = spot.services[0].events.filter((e: { message: string }) =>
    e.message.startsWith('(service spot) has started 1 tasks'),
  );
  assert.ok(started.length >= 3, `the first task and its replacements, saw ${started.length}`);

  // The on-demand service's first task was never interrupted: it runs still.
  const onDemand = await ecs(['list-tasks', '--cluster', 'spot-rate', '--service-name', 'on-demand']);
  const { tasks } = await ecs(['describe-tasks', '--cluster', 'spot-rate', '--tasks', ...onDemand.taskArns]);
  assert.deepEqual(
    tasks.map((t: Record<string, unknown>) => [t.lastStatus, t.launchType, t.capacityProviderName]),
    [['RUNNING', 'FARGATE', undefined]],
  );
  const gone = await ecs([
    'list-tasks',
    '--cluster',
    'spot-rate',
    '--service-name',
    'on-demand',
    '--desired-status',
    'STOPPED',
  ]);
  assert.deepEqual(gone.taskArns, [], 'no FARGATE task was interrupted');

  const off = await run(BIN, ['spot', 'interrupt', '--rate-per-hour', '0', '--data-dir', dataDir]);
  assert.match(off.stdout, /^Rate: 0 interruptions per hour$/m);
});
