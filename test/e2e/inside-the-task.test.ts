import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { aws } from '../support/aws-cli.ts';
import { cannotRunTasks, startTaskNeargate, type TaskNeargate } from '../support/tasks.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const ROLE_ARN = 'arn:aws:iam::000000000000:role/inside-app';
const GROUP = '/ecs/inside';

/**
 * What the container runs, as README's "Inside the task" shows it: it prints its task and
 * container metadata (v4), the two secret variables and its role credentials' key hashed.
 */
const README_SCRIPT = String.raw`set -e
M=$ECS_CONTAINER_METADATA_URI_V4
wget -qO- "$M/task"; echo
wget -qO- "$M"; echo
echo "env AWS_REGION=$AWS_REGION AWS_DEFAULT_REGION=$AWS_DEFAULT_REGION AWS_EXECUTION_ENV=$AWS_EXECUTION_ENV"
h() { printf %s "$1" | sha256sum | cut -c1-64; }
echo "secret-a-sha256=$(h "$DB_PASSWORD")"
echo "secret-b-sha256=$(h "$API_KEY")"
wget -qO /tmp/creds "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
f() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" /tmp/creds; }
echo "credentials-role-arn=$(f RoleArn)"
echo "credentials-expiration=$(f Expiration)"
echo "credentials-key-sha256=$(h "$(f AccessKeyId)")"`;

/**
 * Then, as an SDK in the container would, it signs an ECS call (SigV4 in busybox sh: HMAC-SHA256
 * from sha256sum, awk's xor and xxd) with those credentials and sends it to the API at
 * 169.254.170.2:4566. The call registers a task definition whose one variable is the key's
 * hash, so the test can tie the hash it logged to a key neargate accepted, and to whom.
 */
const SIGN_SCRIPT = String.raw`pad() { printf %s "$1" | awk -v p="$2" '{ h = "0123456789abcdef"; for (i = 0; i < 64; i++) { v = 16 * (index(h, substr($0, 2*i+1, 1)) - 1) + index(h, substr($0, 2*i+2, 1)) - 1; if (v < 0) v = 0; printf "%02x", xor(v, p) } }'; }
hmac() { inner=$({ pad "$1" 54 | xxd -r -p; printf %s "$2"; } | sha256sum | cut -c1-64); { pad "$1" 92 | xxd -r -p; printf %s "$inner" | xxd -r -p; } | sha256sum | cut -c1-64; }
KEY=$(f AccessKeyId); SECRET=$(f SecretAccessKey); TOKEN=$(f Token)
NOW=$(date -u +%Y%m%dT%H%M%SZ); DAY=$(echo "$NOW" | cut -c1-8)
SCOPE=$DAY/$AWS_REGION/ecs/aws4_request
TARGET=AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition
BODY='{"family":"signed-in-task","containerDefinitions":[{"name":"c","image":"busybox","memory":64,"environment":[{"name":"KEY_SHA256","value":"'"$(h "$KEY")"'"}]}]}'
SIGNED='content-type;host;x-amz-date;x-amz-security-token;x-amz-target'
REQUEST=$(printf 'POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:169.254.170.2:4566\nx-amz-date:%s\nx-amz-security-token:%s\nx-amz-target:%s\n\n%s\n%s' "$NOW" "$TOKEN" "$TARGET" "$SIGNED" "$(h "$BODY")")
K=$(hmac "$(printf %s "AWS4$SECRET" | xxd -p | tr -d '\n')" "$DAY")
K=$(hmac "$K" "$AWS_REGION"); K=$(hmac "$K" ecs); K=$(hmac "$K" aws4_request)
SIGNATURE=$(hmac "$K" "$(printf 'AWS4-HMAC-SHA256\n%s\n%s\n%s' "$NOW" "$SCOPE" "$(h "$REQUEST")")")
wget -qO /tmp/registered --header 'Content-Type: application/x-amz-json-1.1' --header "X-Amz-Date: $NOW" --header "X-Amz-Security-Token: $TOKEN" --header "X-Amz-Target: $TARGET" --header "Authorization: AWS4-HMAC-SHA256 Credential=$KEY/$SCOPE, SignedHeaders=$SIGNED, Signature=$SIGNATURE" --post-data "$BODY" http://169.254.170.2:4566/
echo "signed-call-registered-by=$(sed -n 's/.*"registeredBy":"\([^"]*\)".*/\1/p' /tmp/registered)"`;

/** The task definition as README's example writes it, for `--cli-input-yaml`. */
function taskDefinitionYaml(script: string): string {
  const indented = script
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
  return `family: inside
requiresCompatibilities: [FARGATE]
networkMode: awsvpc
cpu: "256"
memory: "512"
taskRoleArn: ${ROLE_ARN}
executionRoleArn: arn:aws:iam::000000000000:role/ecsTaskExecutionRole
containerDefinitions:
  - name: app
    image: busybox
    secrets:
      - name: DB_PASSWORD
        valueFrom: "arn:aws:secretsmanager:us-east-1:000000000000:secret:inside/db:password::"
      - name: API_KEY
        valueFrom: /inside/api-key
    logConfiguration:
      logDriver: awslogs
      options:
        awslogs-group: ${GROUP}
        awslogs-region: us-east-1
        awslogs-stream-prefix: inside
    command:
      - sh
      - -c
      - |
${indented}
`;
}

interface LogEvent {
  timestamp: number;
  message: string;
}

/**
 * Issue 5's "done means", as a user does it with the AWS CLI: one Fargate task with a task role,
 * awslogs and two secrets (a JSON key of a Secrets Manager secret and a SecureString parameter)
 * reads its metadata, its credentials and the secrets, and logs them hashed; `aws logs` finds
 * the lines, and no secret value shows anywhere the API answers.
 */
describe('inside the task, through the AWS CLI: metadata, credentials and secrets in CloudWatch Logs', {
  skip: cannotRunTasks,
}, () => {
  let ng: TaskNeargate;
  let dir: string;
  // Fresh values each run: a value found in an output can only have come from this task.
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const apiKey = `key-${randomBytes(12).toString('hex')}`;
  let taskArn: string;
  let taskId: string;
  // biome-ignore lint/suspicious/noExplicitAny: what the CLI printed for describe-tasks.
  let task: any;
  let events: LogEvent[];
  /** Everything the CLI printed along the way, to look for the secret values in. */
  const printed: string[] = [];
  /** What the server logged, at trace level. */
  const logged: string[] = [];

  /** Runs the AWS CLI as a user would, with AWS_ENDPOINT_URL; fails on a failing command. */
  async function cli(...args: string[]) {
    const out = await aws(ng.env, args);
    assert.equal(out.code, 0, `aws ${args.join(' ')}: ${out.stderr}`);
    printed.push(out.stdout);
    return out.json;
  }

  const messages = () => events.map((e) => e.message);
  /** The `name=value` lines the container printed. */
  function line(name: string): string {
    const found = messages().filter((m) => m.startsWith(`${name}=`));
    assert.equal(found.length, 1, `one ${name} line in ${JSON.stringify(messages(), null, 1)}`);
    return found[0]!.slice(name.length + 1);
  }
  /** The JSON events the container printed that have `key`. */
  function jsonWith(key: string) {
    const found = messages()
      .filter((m) => m.startsWith('{'))
      .map((m) => JSON.parse(m))
      .filter((o) => key in o);
    assert.equal(found.length, 1, `one JSON event with ${key}`);
    return found[0];
  }

  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    ng = await startTaskNeargate({ log: pino({ level: 'trace' }, sink) });
    dir = await mkdtemp(join(tmpdir(), 'neargate-inside-'));
    await cli(
      'secretsmanager',
      'create-secret',
      '--name',
      'inside/db',
      '--secret-string',
      JSON.stringify({ username: 'app', password }),
    );
    await cli(
      'ssm',
      'put-parameter',
      '--name',
      '/inside/api-key',
      '--type',
      'SecureString',
      '--value',
      apiKey,
    );
    await cli('logs', 'create-log-group', '--log-group-name', GROUP);
    const file = join(dir, 'inside.yaml');
    await writeFile(file, taskDefinitionYaml(`${README_SCRIPT}\n${SIGN_SCRIPT}`));
    await cli('ecs', 'register-task-definition', '--cli-input-yaml', `file://${file}`);
    const run = await cli(
      'ecs',
      'run-task',
      '--task-definition',
      'inside',
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      'awsvpcConfiguration={subnets=[subnet-0a]}',
    );
    taskArn = run.tasks[0].taskArn;
    taskId = taskArn.split('/').at(-1)!;
    await cli('ecs', 'wait', 'tasks-stopped', '--tasks', taskArn);
    task = (await cli('ecs', 'describe-tasks', '--tasks', taskArn)).tasks[0];
    // A task that did not start has no log stream: say why it did not.
    assert.equal(task.stopCode, 'EssentialContainerExited', task.stoppedReason);
    const got = await cli(
      'logs',
      'get-log-events',
      '--log-group-name',
      GROUP,
      '--log-stream-name',
      `inside/app/${taskId}`,
      '--start-from-head',
    );
    events = got.events;
  });
  after(async () => {
    await ng?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the task runs its script to the end, and get-log-events has every line of it', () => {
    assert.equal(task.lastStatus, 'STOPPED');
    assert.equal(task.stopCode, 'EssentialContainerExited', task.stoppedReason);
    assert.equal(task.containers[0].exitCode, 0, JSON.stringify(messages(), null, 1));
    // Two JSON documents, the environment, two secrets, three credential lines, the signed call.
    assert.equal(events.length, 9, JSON.stringify(messages(), null, 1));
  });

  test('the container read its task and container metadata (v4), as DescribeTasks has them', () => {
    const meta = jsonWith('TaskARN');
    assert.equal(meta.TaskARN, taskArn);
    assert.equal(meta.Cluster, task.clusterArn);
    assert.equal(meta.Family, 'inside');
    assert.equal(meta.Revision, '1');
    assert.equal(meta.LaunchType, 'FARGATE');
    assert.equal(meta.AvailabilityZone, task.availabilityZone);
    assert.deepEqual(meta.Limits, { CPU: 0.25, Memory: 512 });
    assert.equal(meta.Containers[0].DockerId, task.containers[0].runtimeId);
    const container = jsonWith('DockerId');
    assert.equal(container.DockerId, task.containers[0].runtimeId);
    assert.equal(container.ContainerARN, task.containers[0].containerArn);
    assert.equal(container.Name, 'app');
    assert.equal(container.LogDriver, 'awslogs');
    assert.equal(container.LogOptions['awslogs-group'], GROUP);
    const ip = task.attachments[0].details.find(
      (d: { name: string }) => d.name === 'privateIPv4Address',
    ).value;
    assert.deepEqual(container.Networks[0].IPv4Addresses, [ip]);
    assert.ok(
      messages().includes(
        'env AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EXECUTION_ENV=AWS_ECS_FARGATE',
      ),
    );
  });

  test('the two secrets reached the container: a JSON key of a secret and a SecureString parameter', () => {
    assert.equal(line('secret-a-sha256'), sha256(password));
    assert.equal(line('secret-b-sha256'), sha256(apiKey));
  });

  test("the credentials are the task role's: the task signed an ECS call with them, as its role session", async () => {
    const session = `arn:aws:sts::000000000000:assumed-role/inside-app/${taskId}`;
    assert.equal(line('credentials-role-arn'), ROLE_ARN);
    const hoursLeft = (Date.parse(line('credentials-expiration')) - Date.now()) / 3_600_000;
    assert.ok(hoursLeft > 5 && hoursLeft <= 6, `${hoursLeft} hours left`);
    const keyHash = line('credentials-key-sha256');
    assert.match(keyHash, /^[0-9a-f]{64}$/);
    assert.notEqual(keyHash, sha256(''), 'the container found an AccessKeyId');
    assert.equal(line('signed-call-registered-by'), session);
    // What the task registered, as the host sees it: by the role session, with the key's hash.
    const { taskDefinition } = await cli(
      'ecs',
      'describe-task-definition',
      '--task-definition',
      'signed-in-task',
    );
    assert.equal(taskDefinition.registeredBy, session);
    assert.deepEqual(taskDefinition.containerDefinitions[0].environment, [
      { name: 'KEY_SHA256', value: keyHash },
    ]);
  });

  test('filter-log-events finds the lines by filter pattern', async () => {
    const filter = async (pattern: string) =>
      (
        await cli('logs', 'filter-log-events', '--log-group-name', GROUP, '--filter-pattern', pattern)
      ).events.map((e: LogEvent) => e.message);
    assert.deepEqual(await filter('"sha256="'), [
      `secret-a-sha256=${sha256(password)}`,
      `secret-b-sha256=${sha256(apiKey)}`,
      `credentials-key-sha256=${line('credentials-key-sha256')}`,
    ]);
    assert.deepEqual(await filter('?"secret-a" ?"secret-b"'), [
      `secret-a-sha256=${sha256(password)}`,
      `secret-b-sha256=${sha256(apiKey)}`,
    ]);
    const metadata = await filter(`{ $.TaskARN = "${taskArn}" }`);
    assert.equal(metadata.length, 1);
    assert.equal(JSON.parse(metadata[0]).TaskARN, taskArn);
    assert.deepEqual(await filter('credentials -sha256'), [
      `credentials-role-arn=${ROLE_ARN}`,
      `credentials-expiration=${line('credentials-expiration')}`,
    ]);
  });

  test("no secret value shows in DescribeTasks, DescribeTaskDefinition, the log events, neargate's own log or its data dir", async () => {
    printed.push(
      JSON.stringify(await cli('ecs', 'describe-task-definition', '--task-definition', 'inside')),
      JSON.stringify(await cli('ecs', 'describe-tasks', '--tasks', taskArn, '--include', 'TAGS')),
      JSON.stringify(await cli('logs', 'filter-log-events', '--log-group-name', GROUP)),
    );
    const all = printed.join('\n');
    assert.ok(all.includes(taskArn), 'the outputs searched are the real ones');
    assert.ok(!all.includes(password), 'the secret value shows');
    assert.ok(!all.includes(apiKey), 'the parameter value shows');
    // The container's spec held them while it ran (as Docker's does); nothing is left once the task is gone.
    let filesWithTask = 0;
    for (const e of await readdir(ng.dataDir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const bytes = await readFile(join(e.parentPath, e.name));
      assert.ok(!bytes.includes(password) && !bytes.includes(apiKey), `${e.name} holds a secret value`);
      if (bytes.includes(taskId)) filesWithTask++;
    }
    assert.ok(filesWithTask > 0, 'the files searched are those of the task (the store, at least)');
    const log = logged.join('');
    assert.ok(log.includes(taskId), 'the server logged the task at trace level');
    assert.ok(!log.includes(password), "the secret value is in neargate's log");
    assert.ok(!log.includes(apiKey), "the parameter value is in neargate's log");
  });
});

test("README's worked example registers this test's task definition, without the signed call", async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const yaml = /\ncat > inside\.yaml <<'EOF'\n([\s\S]*?\n)EOF\n/.exec(readme)?.[1];
  assert.equal(yaml, taskDefinitionYaml(README_SCRIPT));
});
