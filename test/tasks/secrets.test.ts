import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DescribeTaskDefinitionCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { secretsClient, ssmClient } from '../support/aws-clients.ts';
import {
  cannotRunTasks,
  isStopped,
  registerTask,
  runTask,
  startTaskNeargate,
  type TaskNeargate,
  waitForTask,
} from '../support/tasks.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Container `secrets` from Secrets Manager and Parameter Store reach the container as variables,
 * read at each start; the container compares their hashes (so no value is written in the task
 * definition) and its exit code is the verdict. No value shows in what the ECS API returns.
 */
describe('container secrets', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  let secretArn: string;
  const password = 'pa55-w0rd-for-the-db';
  const apiKey = 'k3y-from-parameter-store';
  const rotated = 'r0tated-pa55';

  before(async () => {
    ng = await startTaskNeargate();
    const created = await secretsClient(ng).send(
      new CreateSecretCommand({
        Name: 'app/db',
        SecretString: JSON.stringify({ username: 'app', password }),
      }),
    );
    secretArn = created.ARN!;
    await ssmClient(ng).send(
      new PutParameterCommand({ Name: '/app/api-key', Type: 'SecureString', Value: apiKey }),
    );
  });
  after(() => ng?.stop());

  /** A task whose container exits 0 when DB_PASSWORD and API_KEY hash to what is expected. */
  async function runChecking(expectedPassword: string, dbFrom = `${secretArn}:password::`) {
    const check = [
      `[ "$(printf %s "$DB_PASSWORD" | sha256sum | cut -c1-64)" = ${sha256(expectedPassword)} ] || exit 11`,
      `[ "$(printf %s "$API_KEY" | sha256sum | cut -c1-64)" = ${sha256(apiKey)} ] || exit 12`,
      `[ "$(printf %s "$DB_JSON" | sha256sum | cut -c1-64)" = ${sha256(JSON.stringify({ username: 'app', password: expectedPassword }))} ] || exit 13`,
      '[ "$PLAIN" = visible ] || exit 14',
      'exit 0',
    ].join('; ');
    const td = await registerTask(ng.client, [
      {
        name: 'app',
        command: ['sh', '-c', check],
        environment: [{ name: 'PLAIN', value: 'visible' }],
        secrets: [
          { name: 'DB_PASSWORD', valueFrom: dbFrom },
          { name: 'API_KEY', valueFrom: '/app/api-key' },
          { name: 'DB_JSON', valueFrom: secretArn },
        ],
      },
    ]);
    const started = await runTask(ng.client, td);
    return { td, task: await waitForTask(ng.client, started.taskArn!, isStopped) };
  }

  test('a JSON key of a secret, a whole secret and a SecureString parameter become variables', async () => {
    const { td, task } = await runChecking(password);
    assert.equal(task.containers![0]!.exitCode, 0, JSON.stringify(task));
    const described = JSON.stringify(
      await ng.client.send(new DescribeTasksCommand({ tasks: [task.taskArn!] })),
    );
    const definition = JSON.stringify(
      await ng.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: td })),
    );
    for (const value of [password, apiKey]) {
      assert.ok(!described.includes(value), 'a secret value in DescribeTasks');
      assert.ok(!definition.includes(value), 'a secret value in DescribeTaskDefinition');
    }
  });

  test('secrets are read at each start: a new value reaches the next task', async () => {
    await secretsClient(ng).send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ username: 'app', password: rotated }),
      }),
    );
    const { task } = await runChecking(rotated);
    assert.equal(task.containers![0]!.exitCode, 0, JSON.stringify(task));
  });

  test('a secret that does not exist stops the task with ResourceInitializationError', async () => {
    const missingArn = secretArn.replace('app/db', 'app/gone');
    const { task } = await runChecking(password, `${missingArn}:password::`);
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.match(
      task.stoppedReason ?? '',
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time\(s\): failed to fetch secret arn:aws:secretsmanager:/,
    );
    assert.equal(task.containers![0]!.exitCode, undefined);
  });
});
