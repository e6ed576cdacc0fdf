import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ModifyTargetGroupAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbv2Client } from '../support/aws-clients.ts';
import {
  createLoadBalancer,
  createTargetGroup,
  forwardingListener,
  QUICK_CHECKS,
  states,
  until,
  waitForTargets,
} from '../support/load-balancing.ts';
import { cannotRunTasks, startTaskNeargate, type TaskNeargate } from '../support/tasks.ts';

/** A page naming the task's task definition revision, read from the task metadata endpoint. */
const REVISION_PAGE = [
  'sh',
  '-c',
  [
    'for i in 1 2 3 4 5 6 7 8 9 10; do',
    '  REV=$(wget -qO- "$ECS_CONTAINER_METADATA_URI_V4/task" | sed -n \'s/.*"Revision":"\\([0-9]*\\)".*/\\1/p\');',
    '  [ -n "$REV" ] && break; sleep 1;',
    'done;',
    'mkdir -p /www && echo "revision $REV" > /www/index.html;',
    'trap "exit 0" TERM; httpd -f -p 8080 -h /www & wait',
  ].join(' '),
];

/** What one request through the load balancer got. */
interface Outcome {
  status?: number;
  body?: string;
  error?: string;
}

/** A client on one keep-alive connection that sends requests one after another, without pause, until stopped. */
function client(url: string, outcomes: Outcome[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let stopped = false;
  const once = () =>
    new Promise<Outcome>((resolve) => {
      const req = request(url, { agent, timeout: 30_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body: body.trim() }));
        res.on('error', (err) => resolve({ error: err.message }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) =>
        resolve({ error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }),
      );
      req.end();
    });
  const done = (async () => {
    while (!stopped) outcomes.push(await once());
    agent.destroy();
  })();
  return {
    async stop() {
      stopped = true;
      await done;
    },
  };
}

let ng: TaskNeargate;
before(async () => {
  ng = await startTaskNeargate();
});
after(() => ng?.stop());

test('a rolling deployment behind an ALB drops no request: concurrent keep-alive clients see every response, moving from the old revision to the new', {
  skip: cannotRunTasks,
  timeout: 600_000,
}, async () => {
  const elb = elbv2Client(ng);
  const subnets = ['subnet-0000000a', 'subnet-0000000b'];
  const lb = await createLoadBalancer(elb, 'rolling', { subnets });
  const tg = await createTargetGroup(elb, lb, { Name: 'rolling', ...QUICK_CHECKS });
  await elb.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: tg.TargetGroupArn!,
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }],
    }),
  );
  await forwardingListener(elb, lb, tg);
  const register = async () =>
    (
      await ng.client.send(
        new RegisterTaskDefinitionCommand({
          family: 'rolling',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '512',
          containerDefinitions: [
            {
              name: 'web',
              image: 'busybox',
              command: REVISION_PAGE,
              portMappings: [{ containerPort: 8080 }],
            },
          ],
        }),
      )
    ).taskDefinition!;
  const v1 = await register();
  await ng.client.send(
    new CreateServiceCommand({
      serviceName: 'rolling',
      taskDefinition: v1.taskDefinitionArn!,
      desiredCount: 3,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets } },
      loadBalancers: [{ targetGroupArn: tg.TargetGroupArn!, containerName: 'web', containerPort: 8080 }],
    }),
  );
  const describe = async (): Promise<Service> =>
    (await ng.client.send(new DescribeServicesCommand({ services: ['rolling'] }))).services![0]!;
  await until(
    async () => {
      const s = await describe();
      return s.deployments?.length === 1 && s.deployments[0]!.rolloutState === 'COMPLETED' ? s : undefined;
    },
    'the first deployment to complete',
    180_000,
  );
  await waitForTargets(
    elb,
    tg.TargetGroupArn!,
    (t) => t.length === 3 && states(t).every((s) => s === 'healthy'),
    'three healthy targets',
  );

  const outcomes: Outcome[] = [];
  const url = `http://${lb.DNSName}/`;
  const clients = Array.from({ length: 4 }, () => client(url, outcomes));
  try {
    await until(async () => (outcomes.length >= 100 ? true : undefined), 'requests flowing');
    const v2 = await register();
    assert.equal(v2.revision, v1.revision! + 1);
    await ng.client.send(
      new UpdateServiceCommand({ service: 'rolling', taskDefinition: v2.taskDefinitionArn! }),
    );
    await until(
      async () => {
        const s = await describe();
        const d = s.deployments ?? [];
        return d.length === 1 &&
          d[0]!.taskDefinition === v2.taskDefinitionArn &&
          d[0]!.rolloutState === 'COMPLETED'
          ? s
          : undefined;
      },
      'the rolling deployment to complete',
      480_000,
    );
    // The old revision's tasks are gone from the group once drained; then only the new one answers.
    await waitForTargets(
      elb,
      tg.TargetGroupArn!,
      (t) => t.length === 3 && states(t).every((s) => s === 'healthy'),
      'three healthy targets of the new revision, the old ones drained',
    );
    const settled = outcomes.length;
    await until(
      async () => (outcomes.length >= settled + 100 ? true : undefined),
      'requests after the deployment',
    );
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
  }

  const failed = outcomes.filter((o) => o.error !== undefined || o.status !== 200);
  assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${outcomes.length} requests failed`);
  const old = `revision ${v1.revision}`;
  const next = `revision ${v1.revision! + 1}`;
  const bodies = outcomes.map((o) => o.body);
  assert.deepEqual(new Set(bodies), new Set([old, next]), 'every answer names one of the two revisions');
  assert.equal(bodies[0], old);
  const lastOld = bodies.lastIndexOf(old);
  const firstNew = bodies.indexOf(next);
  assert.ok(firstNew > 0, `${next} answered once deployed`);
  assert.ok(lastOld < bodies.length - 100, `${old} answered no more once the deployment completed`);
});
