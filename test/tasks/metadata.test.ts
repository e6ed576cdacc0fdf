import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { NetworkNames } from '../../src/agent/network/network-names.ts';
import { aws } from '../support/aws-cli.ts';
import {
  cannotRunTasks,
  describeTask,
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

const ROLE_ARN = 'arn:aws:iam::000000000000:role/app-role';
const WORKTREE = new URL('../..', import.meta.url).pathname;

/**
 * The container reads its metadata and credentials with busybox wget as it starts, into files
 * it serves on :8080; `cgi-bin/get?<path>` fetches http://169.254.170.2<path> from inside the
 * task at any later time and answers the raw HTTP response (status line, headers, body).
 */
const READER = [
  'mkdir -p /www/cgi-bin',
  "cat > /www/cgi-bin/get <<'EOF'",
  '#!/bin/sh',
  String.raw`printf 'Content-Type: text/plain\r\n\r\n'`,
  // busybox nc ends at the end of its input: keep that open until the server has answered.
  String.raw`( printf 'GET %s HTTP/1.0\r\nHost: 169.254.170.2\r\n\r\n' "$QUERY_STRING"; while [ ! -e /tmp/done.$$ ]; do sleep 0.05; done ) | { nc 169.254.170.2 80; touch /tmp/done.$$; }`,
  'rm -f /tmp/done.$$',
  'EOF',
  'chmod +x /www/cgi-bin/get',
  'env > /www/env.txt',
  'M=$ECS_CONTAINER_METADATA_URI_V4',
  'wget -q -O /www/container.json "$M"',
  'wget -q -O /www/task.json "$M/task"',
  'wget -q -O /www/tags.json "$M/taskWithTags"',
  'wget -q -O /www/stats.json "$M/stats"',
  'wget -q -O /www/task-stats.json "$M/task/stats"',
  'wget -q -O /www/v3.json "$ECS_CONTAINER_METADATA_URI"',
  'wget -q -O /www/v3-task.json "$ECS_CONTAINER_METADATA_URI/task"',
  'wget -q -O /www/v3-stats.json "$ECS_CONTAINER_METADATA_URI/stats"',
  'wget -q -O /www/v3-task-stats.json "$ECS_CONTAINER_METADATA_URI/task/stats"',
  '[ -z "$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" ] || wget -q -O /www/creds.json "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"',
  'touch /www/ready',
  'exec httpd -f -p 8080 -h /www',
].join('\n');

interface Raw {
  status: number;
  body: string;
}

describe('inside the task: the metadata and credentials endpoints at 169.254.170.2', {
  skip: cannotRunTasks,
}, () => {
  let ng: TaskNeargate;
  let stopped = false;
  let dataDir: string;
  let withRole: Task;
  let withoutRole: Task;

  /** What a task's reader container serves. */
  async function served(t: Task, file: string): Promise<string> {
    const res = await fetch(`http://${taskIp(t)}:8080/${file}`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200, `${file}: ${res.status}`);
    return res.text();
  }
  const servedJson = async (t: Task, file: string) => JSON.parse(await served(t, file));

  /** GET http://169.254.170.2<path> from inside the task, now. */
  async function fromInside(t: Task, path: string): Promise<Raw> {
    const text = await served(t, `cgi-bin/get?${path}`);
    const [head = '', ...body] = text.split('\r\n\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
    return { status, body: body.join('\r\n\r\n') };
  }

  async function envOf(t: Task): Promise<Map<string, string>> {
    const lines = (await served(t, 'env.txt')).split('\n').filter(Boolean);
    return new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  async function startReader(
    extra: Parameters<typeof registerTask>[2],
    tags = [{ key: 'env', value: 'test' }],
  ) {
    const td = await registerTask(
      ng.client,
      [
        {
          name: 'app',
          command: ['sh', '-c', READER],
          portMappings: [{ containerPort: 8080 }],
          dockerLabels: { team: 'meta' },
          cpu: 128,
          memory: 256,
          // httpd as pid 1 ignores SIGTERM.
          stopTimeout: 2,
        },
        { name: 'side', command: SERVE, essential: false },
      ],
      extra,
    );
    const started = await runTask(ng.client, td, { tags });
    const t = await waitForTask(ng.client, started.taskArn!, isRunning);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`http://${taskIp(t)}:8080/ready`).catch(() => undefined);
      if (ready?.ok) return t;
      if (Date.now() > deadline) throw new Error('the reader container did not get ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const startServer = (prefix?: { hostPrefix: string; cgroupParent: string }) =>
    startTaskNeargate({ dataDir, ...(prefix ?? {}) });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'neargate-metadata-'));
    ng = await startServer();
    withRole = await startReader({ taskRoleArn: ROLE_ARN });
    withoutRole = await startReader({});
  });
  after(async () => {
    if (!stopped) await ng?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const taskIdOf = (t: Task) => t.taskArn!.split('/').at(-1)!;
  const app = (t: Task) => t.containers!.find((c) => c.name === 'app')!;
  const detail = (t: Task, name: string) => t.attachments![0]!.details!.find((d) => d.name === name)!.value!;

  test('every container gets the metadata URIs, the region and the execution environment', async () => {
    const env = await envOf(withRole);
    const id = app(withRole).runtimeId!;
    assert.equal(env.get('ECS_CONTAINER_METADATA_URI_V4'), `http://169.254.170.2/v4/${id}`);
    assert.equal(env.get('ECS_CONTAINER_METADATA_URI'), `http://169.254.170.2/v3/${id}`);
    assert.equal(env.get('AWS_EXECUTION_ENV'), 'AWS_ECS_FARGATE');
    assert.equal(env.get('AWS_REGION'), 'us-east-1');
    assert.equal(env.get('AWS_DEFAULT_REGION'), 'us-east-1');
    assert.match(
      env.get('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI') ?? '',
      /^\/v2\/credentials\/[0-9a-f-]{36}$/,
    );
    const other = await envOf(withoutRole);
    assert.ok(other.has('ECS_CONTAINER_METADATA_URI_V4'));
    assert.equal(other.has('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'), false, 'no role, no credentials');
  });

  test('the container reads its own metadata (v4), with its IP, ENI, limits and labels', async () => {
    const c = await servedJson(withRole, 'container.json');
    const described = await describeTask(ng.client, withRole.taskArn!);
    assert.equal(c.DockerId, app(described).runtimeId);
    assert.equal(c.Name, 'app');
    assert.equal(c.DockerName, 'app');
    assert.equal(c.Image, 'busybox');
    assert.match(c.ImageID, /^sha256:[0-9a-f]{64}$/);
    assert.equal(c.ContainerARN, app(described).containerArn);
    assert.deepEqual(c.Limits, { CPU: 128, Memory: 256 });
    assert.equal(c.KnownStatus, 'RUNNING');
    assert.equal(c.DesiredStatus, 'RUNNING');
    assert.equal(c.Type, 'NORMAL');
    assert.deepEqual(c.Ports, [{ ContainerPort: 8080, Protocol: 'tcp', HostPort: 8080 }]);
    assert.equal(c.Labels['com.amazonaws.ecs.task-arn'], withRole.taskArn);
    assert.equal(c.Labels['com.amazonaws.ecs.cluster'], withRole.clusterArn);
    assert.equal(c.Labels['com.amazonaws.ecs.container-name'], 'app');
    assert.equal(c.Labels.team, 'meta');
    assert.ok(Date.parse(c.StartedAt) >= Date.parse(c.CreatedAt));
    const [network] = c.Networks;
    assert.equal(network.NetworkMode, 'awsvpc');
    assert.deepEqual(network.IPv4Addresses, [taskIp(withRole)]);
    assert.equal(network.AttachmentIndex, 0);
    assert.equal(network.MACAddress, detail(withRole, 'macAddress'));
    assert.equal(network.PrivateDNSName, detail(withRole, 'privateDnsName'));
    const [base, prefix] = network.IPv4SubnetCIDRBlock.split('/');
    const gateway = base.replace(/\d+$/, (n: string) => String(Number(n) + 1));
    assert.equal(network.SubnetGatewayIpv4Address, `${gateway}/${prefix}`);
  });

  test('the task metadata (v4, and with tags) describes the task as DescribeTasks does', async () => {
    const started = await servedJson(withRole, 'task.json');
    assert.equal(started.TaskARN, withRole.taskArn);
    // Read again now that the task is RUNNING: what its start wrote (pull times) is in.
    const t = JSON.parse((await fromInside(withRole, `/v4/${app(withRole).runtimeId}/task`)).body);
    assert.equal(t.TaskARN, withRole.taskArn);
    assert.equal(t.Cluster, withRole.clusterArn);
    assert.equal(t.LaunchType, 'FARGATE');
    assert.equal(t.AvailabilityZone, withRole.availabilityZone);
    assert.deepEqual(t.Limits, { CPU: 0.25, Memory: 512 });
    assert.equal(t.KnownStatus, 'RUNNING');
    assert.equal(t.DesiredStatus, 'RUNNING');
    assert.match(t.Family, /^test-/);
    assert.equal(t.Revision, '1');
    assert.ok(Date.parse(t.PullStoppedAt) >= Date.parse(t.PullStartedAt));
    assert.deepEqual(t.Containers.map((c: { Name: string }) => c.Name).sort(), ['app', 'side']);
    assert.deepEqual(t.EphemeralStorageMetrics.Reserved, 20 * 1024);
    assert.equal(t.TaskTags, undefined);
    const tagged = await servedJson(withRole, 'tags.json');
    assert.deepEqual(tagged.TaskTags, { env: 'test' });
  });

  test("stats are Docker's, from the container's cgroup and the task's network namespace", async () => {
    const s = await servedJson(withRole, 'stats.json');
    const id = app(withRole).runtimeId!;
    assert.equal(s.id, id);
    assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
    assert.ok(s.cpu_stats.system_cpu_usage > 0);
    assert.ok(s.cpu_stats.online_cpus >= 1);
    assert.ok(s.memory_stats.usage > 0);
    assert.equal(s.memory_stats.limit, 256 * 1024 * 1024);
    assert.ok(s.pids_stats.current >= 1);
    assert.ok(s.networks.eth0.rx_bytes > 0 && s.networks.eth0.tx_packets > 0, JSON.stringify(s.networks));
    assert.ok(Date.parse(s.read) > 0);
    const all = await servedJson(withRole, 'task-stats.json');
    const side = withRole.containers!.find((c) => c.name === 'side')!.runtimeId!;
    assert.deepEqual(Object.keys(all).sort(), [id, side].sort());
    assert.ok(all[side].cpu_stats.cpu_usage.total_usage > 0);
    // The side container has no limit of its own: the task's applies.
    assert.equal(all[side].memory_stats.limit, 512 * 1024 * 1024);
    // A later reading has the one before as precpu_stats.
    const again = JSON.parse((await fromInside(withRole, `/v4/${id}/stats`)).body);
    assert.ok(Date.parse(again.preread) > 0);
    assert.ok(again.cpu_stats.cpu_usage.total_usage >= again.precpu_stats.cpu_usage.total_usage);
  });

  test("the v3 endpoint answers in v3's shape, with the container's and the task's stats", async () => {
    const c = await servedJson(withRole, 'v3.json');
    assert.equal(c.DockerId, app(withRole).runtimeId);
    assert.deepEqual(c.Networks, [{ NetworkMode: 'awsvpc', IPv4Addresses: [taskIp(withRole)] }]);
    assert.equal(c.ContainerARN, undefined);
    const t = await servedJson(withRole, 'v3-task.json');
    assert.equal(t.TaskARN, withRole.taskArn);
    assert.equal(t.LaunchType, undefined);
    const id = app(withRole).runtimeId!;
    const s = await servedJson(withRole, 'v3-stats.json');
    assert.equal(s.id, id);
    assert.ok(s.cpu_stats.cpu_usage.total_usage > 0 && s.memory_stats.usage > 0);
    const all = await servedJson(withRole, 'v3-task-stats.json');
    const side = withRole.containers!.find((c) => c.name === 'side')!.runtimeId!;
    assert.deepEqual(Object.keys(all).sort(), [id, side].sort());
    assert.equal(all[id].id, id);
  });

  test('the task role credentials work from the host with the SDK and the AWS CLI, as the role', async () => {
    const creds = await servedJson(withRole, 'creds.json');
    assert.deepEqual(Object.keys(creds), [
      'RoleArn',
      'AccessKeyId',
      'SecretAccessKey',
      'Token',
      'Expiration',
    ]);
    assert.equal(creds.RoleArn, ROLE_ARN);
    assert.match(creds.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.match(creds.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const hoursLeft = (Date.parse(creds.Expiration) - Date.now()) / 3_600_000;
    assert.ok(hoursLeft > 5 && hoursLeft <= 6, `${hoursLeft} hours left`);
    const principal = `arn:aws:sts::000000000000:assumed-role/app-role/${taskIdOf(withRole)}`;

    const sdk = clientWith(creds.AccessKeyId, creds.SecretAccessKey, creds.Token);
    const registered = await sdk.send(
      new RegisterTaskDefinitionCommand({
        family: 'by-the-role',
        containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64 }],
      }),
    );
    assert.equal(registered.taskDefinition?.registeredBy, principal);

    const cli = await aws(cliEnv(creds.AccessKeyId, creds.SecretAccessKey, creds.Token), [
      'ecs',
      'register-task-definition',
      '--family',
      'by-the-role-cli',
      '--container-definitions',
      '[{"name":"a","image":"busybox","memory":64}]',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.json.taskDefinition.registeredBy, principal);

    const tampered =
      `${creds.Token.slice(0, -4)}AAAA` === creds.Token
        ? `${creds.Token.slice(0, -4)}BBBB`
        : `${creds.Token.slice(0, -4)}AAAA`;
    await assert.rejects(
      clientWith(creds.AccessKeyId, creds.SecretAccessKey, tampered).send(new ListClustersCommand({})),
      {
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      },
    );
    const tamperedCli = await aws(cliEnv(creds.AccessKeyId, creds.SecretAccessKey, tampered), [
      'ecs',
      'list-clusters',
    ]);
    assert.notEqual(tamperedCli.code, 0);
    assert.match(
      tamperedCli.stderr,
      /UnrecognizedClientException.*The security token included in the request is invalid/,
    );
    const noToken = await aws(cliEnv(creds.AccessKeyId, creds.SecretAccessKey), ['ecs', 'list-clusters']);
    assert.notEqual(noToken.code, 0);
    assert.match(
      noToken.stderr,
      /UnrecognizedClientException.*The security token included in the request is invalid/,
    );
  });

  test("an SDK in the task's network finds the credentials and reaches the API at 169.254.170.2:4566", async () => {
    const env = await envOf(withRole);
    const netns = new NetworkNames(ng.config.hostPrefix).netnsName(taskIdOf(withRole));
    const script = [
      "import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';",
      "const ecs = new ECSClient({ endpoint: 'http://169.254.170.2:4566', region: process.env.AWS_REGION, maxAttempts: 1 });",
      "const out = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'from-inside', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64 }] }));",
      'console.log(out.taskDefinition.registeredBy);',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'ip',
        ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', script],
        {
          cwd: WORKTREE,
          timeout: 60_000,
          // The SDK's default chain: no keys in the environment, so the container provider answers.
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            AWS_REGION: env.get('AWS_REGION')!,
            AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: env.get('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')!,
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
      ),
    );
    assert.equal(out, `arn:aws:sts::000000000000:assumed-role/app-role/${taskIdOf(withRole)}`);
  });

  test("a task cannot read another task's metadata or credentials", async () => {
    const victim = app(withRole).runtimeId!;
    const credentialsUri = (await envOf(withRole)).get('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')!;
    // The same paths work for the task they belong to...
    assert.equal((await fromInside(withRole, `/v4/${victim}/task`)).status, 200);
    assert.equal((await fromInside(withRole, credentialsUri)).status, 200);
    // ...and not for another one.
    const task = await fromInside(withoutRole, `/v4/${victim}/task`);
    assert.equal(task.status, 404);
    assert.equal(
      JSON.parse(task.body),
      `V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${victim}`,
    );
    for (const path of [`/v4/${victim}`, `/v4/${victim}/stats`, `/v4/${victim}/task/stats`]) {
      assert.equal((await fromInside(withoutRole, path)).status, 404, path);
    }
    const v3 = await fromInside(withoutRole, `/v3/${victim}/task`);
    assert.equal(v3.status, 500);
    assert.doesNotMatch(v3.body, /TaskARN/);
    const stolen = await fromInside(withoutRole, credentialsUri);
    assert.equal(stolen.status, 400);
    assert.deepEqual(JSON.parse(stolen.body), {
      code: 'InvalidIdInRequest',
      message: 'CredentialsV2Request: Credentials not found',
      HTTPErrorCode: 400,
    });
    // The asking task reaches its own.
    const own = app(withoutRole).runtimeId!;
    assert.equal((await fromInside(withoutRole, `/v4/${own}`)).status, 200);
  });

  test('a restarted server serves the tasks that kept running, and their credentials', async () => {
    const before = await servedJson(withRole, 'creds.json');
    const prefix = { hostPrefix: ng.config.hostPrefix, cgroupParent: ng.config.cgroupParent };
    await ng.close();
    ng = await startServer(prefix);
    const id = app(withRole).runtimeId!;
    const task = await fromInside(withRole, `/v4/${id}/task`);
    assert.equal(task.status, 200, task.body);
    assert.equal(JSON.parse(task.body).TaskARN, withRole.taskArn);
    const uri = (await envOf(withRole)).get('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')!;
    const creds = JSON.parse((await fromInside(withRole, uri)).body);
    assert.equal(creds.AccessKeyId, before.AccessKeyId, 'the same set, still far from its expiry');
    await clientWith(creds.AccessKeyId, creds.SecretAccessKey, creds.Token).send(new ListClustersCommand({}));
  });

  test("a stopped task's credentials are refused at once", async () => {
    const creds = await servedJson(withRole, 'creds.json');
    await ng.client.send(new StopTaskCommand({ task: withRole.taskArn! }));
    await waitForTask(ng.client, withRole.taskArn!, isStopped);
    await assert.rejects(
      clientWith(creds.AccessKeyId, creds.SecretAccessKey, creds.Token).send(new ListClustersCommand({})),
      {
        name: 'UnrecognizedClientException',
      },
    );
  });

  test("stopping the server's tasks and tearing down leaves no address or rule on the host", async () => {
    const prefix = ng.config.hostPrefix;
    stopped = true;
    await ng.stop();
    const links = await run('ip', ['-o', 'link', 'show']);
    assert.doesNotMatch(links, new RegExp(`: ${prefix}-`));
    const addresses = await run('ip', ['-o', 'addr', 'show']);
    assert.doesNotMatch(addresses, new RegExp(`${prefix}-svc`));
    const tables = await run('nft', ['list', 'tables']);
    assert.doesNotMatch(tables, new RegExp(`neargate_${prefix}$`, 'm'));
  });

  function clientWith(accessKeyId: string, secretAccessKey: string, sessionToken: string) {
    return new ECSClient({
      endpoint: ng.url,
      region: 'us-east-1',
      credentials: { accessKeyId, secretAccessKey, sessionToken },
      maxAttempts: 1,
    });
  }

  function cliEnv(
    accessKeyId: string,
    secretAccessKey: string,
    sessionToken?: string,
  ): Record<string, string> {
    return {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      ...(sessionToken !== undefined && { AWS_SESSION_TOKEN: sessionToken }),
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: ng.url,
    };
  }
});

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}
