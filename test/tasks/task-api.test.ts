import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  ClusterContainsTasksException,
  CreateClusterCommand,
  DeleteClusterCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import { aws } from '../support/aws-cli.ts';
import {
  cannotRunTasks,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  SERVE,
  SUBNET,
  startTaskNeargate,
  type TaskNeargate,
  waitForTask,
} from '../support/tasks.ts';

const net = { awsvpcConfiguration: { subnets: [SUBNET] } };

describe('RunTask, ListTasks and DescribeTasks as ECS answers them', { skip: cannotRunTasks }, () => {
  let ng: TaskNeargate;
  let td: string;
  before(async () => {
    ng = await startTaskNeargate();
    td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
  });
  after(() => ng?.stop());

  test('bad launches are refused with ECS errors', async () => {
    const cases: [Record<string, unknown>, new (...a: never[]) => Error, RegExp][] = [
      [
        { networkConfiguration: undefined },
        InvalidParameterException,
        /Network Configuration must be provided when networkMode 'awsvpc' is specified\./,
      ],
      [{ count: 11 }, InvalidParameterException, /count/],
      [
        { capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] },
        InvalidParameterException,
        /Specifying both a launch type and capacity provider strategy/,
      ],
      [{ taskDefinition: 'nope' }, ClientException, /TaskDefinition not found\./],
      [
        { launchType: 'EC2' },
        InvalidParameterException,
        /No Container Instances were found in your cluster\./,
      ],
      [
        { networkConfiguration: { awsvpcConfiguration: { subnets: [] } } },
        InvalidParameterException,
        /subnets can not be empty\./,
      ],
      [
        { networkConfiguration: { awsvpcConfiguration: { subnets: ['vpc-123'] } } },
        InvalidParameterException,
        /InvalidSubnetID\.Malformed/,
      ],
      [
        { overrides: { containerOverrides: [{ name: 'ghost' }] } },
        InvalidParameterException,
        /Override for container named ghost is not a container in the TaskDefinition\./,
      ],
      [
        { overrides: { cpu: '256', memory: '4096' } },
        InvalidParameterException,
        /No Fargate configuration exists/,
      ],
    ];
    for (const [change, type, message] of cases) {
      await assert.rejects(
        ng.client.send(
          new RunTaskCommand({
            taskDefinition: td,
            launchType: 'FARGATE',
            networkConfiguration: net,
            ...change,
          } as never),
        ),
        (e: Error) => e instanceof type && message.test(e.message),
        JSON.stringify(change),
      );
    }
    const old = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    await ng.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: old }));
    await assert.rejects(
      ng.client.send(
        new RunTaskCommand({ taskDefinition: old, launchType: 'FARGATE', networkConfiguration: net }),
      ),
      /TaskDefinition is inactive/,
    );
  });

  test('overrides, startedBy, group and tags show in the task; propagateTags copies the task definition tags', async () => {
    const tagged = await registerTask(ng.client, [{ name: 'app', command: ['sh', '-c', 'exit 9'] }], {
      tags: [{ key: 'team', value: 'red' }],
    });
    const t = await runTask(ng.client, tagged, {
      startedBy: 'tester',
      group: 'batch',
      tags: [{ key: 'run', value: '1' }],
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
      overrides: {
        containerOverrides: [
          {
            name: 'app',
            command: ['sh', '-c', '[ "$X" = y ] && exit 0 || exit 1'],
            environment: [{ name: 'X', value: 'y' }],
          },
        ],
        taskRoleArn: 'arn:aws:iam::000000000000:role/override',
      },
    });
    assert.equal(t.startedBy, 'tester');
    assert.equal(t.group, 'batch');
    assert.equal(t.overrides?.taskRoleArn, 'arn:aws:iam::000000000000:role/override');
    assert.deepEqual(t.overrides?.containerOverrides?.[0]?.environment, [{ name: 'X', value: 'y' }]);
    const end = await waitForTask(ng.client, t.taskArn!, isStopped);
    assert.equal(end.containers![0]!.exitCode, 0, 'the overridden command and environment ran');
    assert.deepEqual(
      [...(end.tags ?? [])].sort((a, b) => a.key!.localeCompare(b.key!)),
      [
        { key: 'aws:ecs:clusterName', value: 'default' },
        { key: 'run', value: '1' },
        { key: 'team', value: 'red' },
      ],
    );
    await ng.client.send(
      new TagResourceCommand({ resourceArn: t.taskArn!, tags: [{ key: 'later', value: 'x' }] }),
    );
    const again = await ng.client.send(new DescribeTasksCommand({ tasks: [t.taskArn!], include: ['TAGS'] }));
    assert.ok(again.tasks?.[0]?.tags?.some((x) => x.key === 'later'));
    const plain = await ng.client.send(new DescribeTasksCommand({ tasks: [t.taskArn!] }));
    assert.equal(plain.tasks?.[0]?.tags, undefined, 'tags only with include TAGS');
  });

  test('ListTasks filters by family, startedBy, launch type and desired status, and pages', async () => {
    await ng.client.send(new CreateClusterCommand({ clusterName: 'list' }));
    const other = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
    const arns: string[] = [];
    for (const [def, startedBy] of [
      [td, 'a'],
      [td, 'b'],
      [other, 'a'],
    ] as const) {
      const t = await runTask(ng.client, def, { cluster: 'list', startedBy, count: 2 });
      arns.push(t.taskArn!);
    }
    const all = await ng.client.send(new ListTasksCommand({ cluster: 'list' }));
    assert.equal(all.taskArns?.length, 6);
    const family = td.split('/')[1]!.split(':')[0]!;
    assert.equal(
      (await ng.client.send(new ListTasksCommand({ cluster: 'list', family }))).taskArns?.length,
      4,
    );
    assert.equal(
      (await ng.client.send(new ListTasksCommand({ cluster: 'list', startedBy: 'a' }))).taskArns?.length,
      4,
    );
    assert.equal(
      (await ng.client.send(new ListTasksCommand({ cluster: 'list', launchType: 'FARGATE' }))).taskArns
        ?.length,
      6,
    );
    assert.equal(
      (await ng.client.send(new ListTasksCommand({ cluster: 'list', launchType: 'EC2' }))).taskArns?.length,
      0,
      'no EC2 tasks on Fargate',
    );
    const paged: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ng.client.send(
        new ListTasksCommand({ cluster: 'list', maxResults: 4, ...(nextToken && { nextToken }) }),
      );
      paged.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual([...paged].sort(), [...(all.taskArns ?? [])].sort());

    const cli = await aws(ng.env, ['ecs', 'list-tasks', '--cluster', 'list', '--page-size', '2']);
    assert.equal(cli.json.taskArns.length, 6, 'the CLI follows nextToken');

    const counts = await ng.client.send(new DescribeClustersCommand({ clusters: ['list'] }));
    assert.equal(
      (counts.clusters?.[0]?.runningTasksCount ?? 0) + (counts.clusters?.[0]?.pendingTasksCount ?? 0),
      6,
    );
    await assert.rejects(
      ng.client.send(new DeleteClusterCommand({ cluster: 'list' })),
      ClusterContainsTasksException,
    );

    await Promise.all(
      (all.taskArns ?? []).map((task) => ng.client.send(new StopTaskCommand({ cluster: 'list', task }))),
    );
    assert.equal(
      (await ng.client.send(new ListTasksCommand({ cluster: 'list' }))).taskArns?.length,
      0,
      'desired RUNNING only by default',
    );
    assert.equal(
      (await ng.client.send(new ListTasksCommand({ cluster: 'list', desiredStatus: 'STOPPED' }))).taskArns
        ?.length,
      6,
    );
    for (const a of all.taskArns ?? []) await waitForTask(ng.client, a, isStopped);
    const deleted = await ng.client.send(new DeleteClusterCommand({ cluster: 'list' }));
    assert.equal(deleted.cluster?.status, 'INACTIVE');
  });

  test('a capacity provider strategy places tasks on FARGATE and FARGATE_SPOT by base and weight', async () => {
    await ng.client.send(new CreateClusterCommand({ clusterName: 'spot' }));
    await ng.client.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'spot',
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [
          { capacityProvider: 'FARGATE', base: 1, weight: 1 },
          { capacityProvider: 'FARGATE_SPOT', weight: 3 },
        ],
      }),
    );
    const out = await ng.client.send(
      new RunTaskCommand({ cluster: 'spot', taskDefinition: td, count: 5, networkConfiguration: net }),
    );
    const providers = (out.tasks ?? []).map((t) => t.capacityProviderName).sort();
    assert.deepEqual(providers, ['FARGATE', 'FARGATE', 'FARGATE_SPOT', 'FARGATE_SPOT', 'FARGATE_SPOT']);
    assert.ok(out.tasks?.every((t) => t.launchType === 'FARGATE'));
    await Promise.all((out.tasks ?? []).map((t) => waitForTask(ng.client, t.taskArn!, isRunning)));
    await Promise.all(
      (out.tasks ?? []).map((t) =>
        ng.client.send(new StopTaskCommand({ cluster: 'spot', task: t.taskArn! })),
      ),
    );
    await Promise.all((out.tasks ?? []).map((t) => waitForTask(ng.client, t.taskArn!, isStopped)));
  });
});
