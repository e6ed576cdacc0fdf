import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { aws } from '../support/aws-cli.ts';
import { ecsClient } from '../support/ecs-client.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

const fixture = (name: string) => new URL(`../fixtures/task-definitions/${name}`, import.meta.url);
const tdArn = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:000000000000:task-definition/${family}:${revision}`;

/** A minimal valid Fargate task definition to vary in each case. */
const base = (): RegisterTaskDefinitionCommandInput => ({
  family: 'rules',
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image: 'busybox' }],
});

describe('the task definitions of the AWS documentation register unchanged', () => {
  for (const file of [
    'webserver-fargate.json',
    'nginx-awslogs-fargate.json',
    'web-secrets-healthcheck.json',
    'awslogs-wordpress-mysql.json',
  ]) {
    test(`${file} through the AWS CLI`, async () => {
      const input = JSON.parse(readFileSync(fixture(file), 'utf8'));
      const out = await aws(ng.env, [
        'ecs',
        'register-task-definition',
        '--cli-input-json',
        `file://${fixture(file).pathname}`,
      ]);
      assert.equal(out.code, 0, out.stderr);
      const td = out.json.taskDefinition;
      assert.equal(td.taskDefinitionArn, tdArn(input.family, 1));
      assert.equal(td.revision, 1);
      assert.equal(td.status, 'ACTIVE');
      assert.equal(td.registeredBy, 'arn:aws:iam::000000000000:root');
      assert.match(td.registeredAt, /^\d{4}-\d\d-\d\dT/);
      assert.ok(Array.isArray(td.requiresAttributes) && td.requiresAttributes.length > 0);
      assert.equal(td.containerDefinitions.length, input.containerDefinitions.length);
      assert.equal(td.containerDefinitions[0].essential, true);
      if (input.requiresCompatibilities?.includes('FARGATE')) {
        assert.deepEqual(td.compatibilities, ['EC2', 'FARGATE']);
        assert.equal(
          td.containerDefinitions[0].portMappings[0].hostPort,
          td.containerDefinitions[0].portMappings[0].containerPort,
        );
      } else {
        assert.deepEqual(td.compatibilities, ['EC2']);
      }
    });
  }

  test('the secrets and health check example requires what ECS says it requires', async () => {
    const out = await ecsClient(ng).send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web-app' }));
    const names = out.taskDefinition?.requiresAttributes?.map((a) => a.name) ?? [];
    for (const n of [
      'ecs.capability.secrets.asm.environment-variables',
      'ecs.capability.secrets.ssm.environment-variables',
      'ecs.capability.container-health-check',
      'com.amazonaws.ecs.capability.task-iam-role',
      'ecs.capability.execution-role-awslogs',
      'ecs.capability.execution-role-ecr-pull',
      'ecs.capability.task-eni',
    ]) {
      assert.ok(names.includes(n), n);
    }
  });
});

describe('revisions, describe, list, deregister and delete', () => {
  const client = () => ecsClient(ng);

  test('revisions count per family, and vCPU and GB are read as ECS reads them', async () => {
    const one = await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'count-a' }));
    const two = await client().send(
      new RegisterTaskDefinitionCommand({ ...base(), family: 'count-a', cpu: '1 vCPU', memory: '2 GB' }),
    );
    const other = await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'count-b' }));
    assert.equal(one.taskDefinition?.revision, 1);
    assert.equal(two.taskDefinition?.revision, 2);
    assert.equal(two.taskDefinition?.cpu, '1024');
    assert.equal(two.taskDefinition?.memory, '2048');
    assert.equal(other.taskDefinition?.revision, 1);
  });

  test('describe by family, by family:revision and by ARN, with tags', async () => {
    await client().send(
      new RegisterTaskDefinitionCommand({ ...base(), family: 'desc', tags: [{ key: 'env', value: 'test' }] }),
    );
    await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'desc' }));
    const latest = await client().send(new DescribeTaskDefinitionCommand({ taskDefinition: 'desc' }));
    assert.equal(latest.taskDefinition?.revision, 2);
    assert.equal(latest.tags, undefined);
    const first = await client().send(
      new DescribeTaskDefinitionCommand({ taskDefinition: tdArn('desc', 1), include: ['TAGS'] }),
    );
    assert.equal(first.taskDefinition?.revision, 1);
    assert.deepEqual(first.tags, [{ key: 'env', value: 'test' }]);
    const byRevision = await client().send(new DescribeTaskDefinitionCommand({ taskDefinition: 'desc:1' }));
    assert.equal(byRevision.taskDefinition?.taskDefinitionArn, tdArn('desc', 1));
    await assert.rejects(
      client().send(new DescribeTaskDefinitionCommand({ taskDefinition: 'desc:9' })),
      (e: unknown) => e instanceof ClientException && e.message === 'Unable to describe task definition.',
    );
  });

  test('deregister, then a bare family means the latest ACTIVE revision, and delete', async () => {
    await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'dereg' }));
    await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'dereg' }));
    const out = await client().send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'dereg:2' }));
    assert.equal(out.taskDefinition?.status, 'INACTIVE');
    assert.ok(out.taskDefinition?.deregisteredAt instanceof Date);
    const latest = await client().send(new DescribeTaskDefinitionCommand({ taskDefinition: 'dereg' }));
    assert.equal(latest.taskDefinition?.revision, 1);

    const inactive = await client().send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'dereg', status: 'INACTIVE' }),
    );
    assert.deepEqual(inactive.taskDefinitionArns, [tdArn('dereg', 2)]);

    const deleted = await client().send(
      new DeleteTaskDefinitionsCommand({ taskDefinitions: ['dereg:2', 'dereg:1', 'dereg:7'] }),
    );
    assert.deepEqual(
      deleted.taskDefinitions?.map((t) => [t.revision, t.status]),
      [[2, 'DELETE_IN_PROGRESS']],
    );
    assert.deepEqual(
      deleted.failures?.map((f) => f.arn),
      [tdArn('dereg', 1), tdArn('dereg', 7)],
    );

    const next = await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'dereg' }));
    assert.equal(next.taskDefinition?.revision, 3, 'revisions never repeat');
  });

  test('ListTaskDefinitions filters, sorts and pages', async () => {
    for (let i = 0; i < 3; i++)
      await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'page-x' }));
    await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'page-y' }));
    const all: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client().send(
        new ListTaskDefinitionsCommand({
          familyPrefix: 'page-',
          sort: 'DESC',
          maxResults: 3,
          ...(nextToken && { nextToken }),
        }),
      );
      all.push(...(page.taskDefinitionArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(all, [tdArn('page-y', 1), tdArn('page-x', 3), tdArn('page-x', 2), tdArn('page-x', 1)]);
  });

  test('ListTaskDefinitionFamilies knows ACTIVE and INACTIVE families', async () => {
    await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'fam-live' }));
    await client().send(new RegisterTaskDefinitionCommand({ ...base(), family: 'fam-gone' }));
    await client().send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'fam-gone:1' }));
    const active = await client().send(
      new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'fam-', status: 'ACTIVE' }),
    );
    const inactive = await client().send(
      new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'fam-', status: 'INACTIVE' }),
    );
    const every = await client().send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'fam-' }));
    assert.deepEqual(active.families, ['fam-live']);
    assert.deepEqual(inactive.families, ['fam-gone']);
    assert.deepEqual(every.families, ['fam-gone', 'fam-live']);
  });

  test('describe, list and deregister through the CLI', async () => {
    const reg = await aws(ng.env, [
      'ecs',
      'register-task-definition',
      '--family',
      'cli-td',
      '--requires-compatibilities',
      'FARGATE',
      '--network-mode',
      'awsvpc',
      '--cpu',
      '256',
      '--memory',
      '512',
      '--container-definitions',
      '[{"name":"a","image":"busybox"}]',
      '--tags',
      'key=k,value=v',
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const d = await aws(ng.env, [
      'ecs',
      'describe-task-definition',
      '--task-definition',
      'cli-td',
      '--include',
      'TAGS',
    ]);
    assert.equal(d.json.taskDefinition.taskDefinitionArn, tdArn('cli-td', 1));
    assert.deepEqual(d.json.tags, [{ key: 'k', value: 'v' }]);
    const l = await aws(ng.env, ['ecs', 'list-task-definitions', '--family-prefix', 'cli-td']);
    assert.deepEqual(l.json.taskDefinitionArns, [tdArn('cli-td', 1)]);
    const dr = await aws(ng.env, ['ecs', 'deregister-task-definition', '--task-definition', 'cli-td:1']);
    assert.equal(dr.json.taskDefinition.status, 'INACTIVE');
    // Debian's awscli 2.9 predates DeleteTaskDefinitions; the SDK tests drive it.
    const missing = await aws(ng.env, ['ecs', 'describe-task-definition', '--task-definition', 'cli-td:2']);
    assert.match(missing.stderr, /ClientException.*Unable to describe task definition\./);
  });

  test('the CLI lists families and paginates by itself', async () => {
    const out = await aws(ng.env, [
      'ecs',
      'list-task-definition-families',
      '--family-prefix',
      'fam-',
      '--page-size',
      '1',
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(out.json.families, ['fam-gone', 'fam-live']);
  });
});

describe('RegisterTaskDefinition refuses what ECS refuses, in ECS words', () => {
  type Case = [string, (td: RegisterTaskDefinitionCommandInput) => void, string];
  const c0 = (td: RegisterTaskDefinitionCommandInput) => td.containerDefinitions![0]!;
  const cases: Case[] = [
    [
      'bad cpu',
      (td) => {
        td.cpu = 'lots';
      },
      "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
    ],
    [
      'no Fargate size',
      (td) => {
        td.memory = '4096';
      },
      'No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values.',
    ],
    [
      '16 vCPU with too little memory',
      (td) => {
        td.cpu = '16384';
        td.memory = '16384';
      },
      'No Fargate configuration exists for given values: 16384 CPU, 16384 memory. See the Amazon ECS documentation for the valid values.',
    ],
    [
      'bridge on Fargate',
      (td) => {
        td.networkMode = 'bridge';
      },
      'Fargate only supports network mode \u2018awsvpc\u2019.',
    ],
    [
      'no task cpu',
      (td) => {
        delete td.cpu;
      },
      "Fargate requires that 'cpu' be defined at the task level.",
    ],
    [
      'duplicate names',
      (td) => {
        td.containerDefinitions!.push({ name: 'app', image: 'x' });
      },
      'Container names must be unique within a Task Definition.',
    ],
    [
      'no essential container',
      (td) => {
        c0(td).essential = false;
      },
      "Task definition doesn't have any essential container.",
    ],
    [
      'container cpu over task cpu',
      (td) => {
        c0(td).cpu = 512;
      },
      "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.",
    ],
    [
      'container memory over task memory',
      (td) => {
        c0(td).memory = 1024;
      },
      "The 'memory' setting for container 'app' is greater than for the task.",
    ],
    [
      'hostPort differs',
      (td) => {
        c0(td).portMappings = [{ containerPort: 80, hostPort: 8080 }];
      },
      'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
    ],
    [
      'unknown dependency',
      (td) => {
        c0(td).dependsOn = [{ containerName: 'db', condition: 'START' }];
      },
      "Cannot depend on container + 'db' because it does not exist",
    ],
    [
      'SUCCESS on an essential container',
      (td) => {
        td.containerDefinitions!.push({
          name: 'init',
          image: 'x',
          dependsOn: [{ containerName: 'app', condition: 'SUCCESS' }],
        });
      },
      'A dependency container with SUCCESS or COMPLETE condition cannot be an essential container',
    ],
    [
      'dependency cycle',
      (td) => {
        td.containerDefinitions = [
          { name: 'a', image: 'x', dependsOn: [{ containerName: 'b', condition: 'START' }] },
          {
            name: 'b',
            image: 'x',
            essential: false,
            dependsOn: [{ containerName: 'a', condition: 'START' }],
          },
        ];
      },
      'Container dependencies should not have a cycle',
    ],
    [
      'health check interval',
      (td) => {
        c0(td).healthCheck = { command: ['CMD', 'true'], interval: 2 };
      },
      "Invalid 'interval' setting for health check of container 'app'. Valid values are 5 to 300.",
    ],
    [
      'awslogs without execution role',
      (td) => {
        c0(td).logConfiguration = {
          logDriver: 'awslogs',
          options: { 'awslogs-group': 'g', 'awslogs-region': 'us-east-1' },
        };
      },
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
    ],
    [
      'secret named like a variable',
      (td) => {
        c0(td).environment = [{ name: 'A', value: '1' }];
        c0(td).secrets = [{ name: 'A', valueFrom: 'arn:aws:ssm:us-east-1:1:parameter/a' }];
      },
      "The secret name must be unique and not shared with any new or existing environment variables set on the container, such as 'A'.",
    ],
    [
      'blank family',
      (td) => {
        td.family = '';
      },
      'Family can not be blank.',
    ],
    [
      'family characters',
      (td) => {
        td.family = 'a b';
      },
      'Family contains invalid characters.',
    ],
    [
      'no image',
      (td) => {
        c0(td).image = '';
      },
      'Container.image should not be null or empty.',
    ],
    [
      'empty tags',
      (td) => {
        td.tags = [];
      },
      'Tags can not be empty.',
    ],
    [
      'too large',
      (td) => {
        c0(td).environment = [{ name: 'BIG', value: 'x'.repeat(70_000) }];
      },
      "Actual length: '",
    ],
  ];
  for (const [name, mutate, message] of cases) {
    test(name, async () => {
      const td = base();
      mutate(td);
      await assert.rejects(ecsClient(ng).send(new RegisterTaskDefinitionCommand(td)), (e: unknown) => {
        assert.ok(e instanceof ClientException, `${(e as Error).name}: ${(e as Error).message}`);
        assert.ok(e.message.startsWith(message), e.message);
        return true;
      });
    });
  }

  test('a missing family through the CLI is caught before sending; the SDK gets ECS words', async () => {
    await assert.rejects(
      ecsClient(ng).send(
        new RegisterTaskDefinitionCommand({ containerDefinitions: [{ name: 'a', image: 'b' }] } as never),
      ),
      (e: unknown) => e instanceof ClientException && e.message === 'Family can not be blank.',
    );
  });
});
