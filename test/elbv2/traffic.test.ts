import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import {
  CreateRuleCommand,
  type ElasticLoadBalancingV2Client,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import * as dnsPacket from 'dns-packet';
import { elbv2Client } from '../support/aws-clients.ts';
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
import {
  cannotRunTasks,
  isRunning,
  isStopped,
  registerTask,
  runTask,
  startTaskNeargate,
  type TaskNeargate,
  taskIp,
  waitForTask,
} from '../support/tasks.ts';

/**
 * A resolver on loopback standing in for the host's (systemd-resolved listens on 127.0.0.53):
 * tasks cannot reach it themselves, their DNS server forwards to it.
 */
async function loopbackResolver(): Promise<{ port: number; close: () => void }> {
  const socket = createSocket('udp4');
  socket.on('message', (message, from) => {
    const query = dnsPacket.decode(message);
    const q = query.questions![0]!;
    const known = q.name === 'db.corp.internal' && q.type === 'A';
    socket.send(
      dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: (known ? 0 : 3) | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
        questions: [q],
        answers: known ? [{ type: 'A', name: q.name, ttl: 30, data: '192.0.2.44' }] : [],
      }),
      from.port,
      from.address,
    );
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, close: () => socket.close() };
}

describe('load balancers made through the ELBv2 API carry traffic to real tasks', {
  skip: cannotRunTasks,
}, () => {
  let ng: TaskNeargate;
  let elb: ElasticLoadBalancingV2Client;
  let resolver: Awaited<ReturnType<typeof loopbackResolver>>;
  let ips: string[];

  before(async () => {
    resolver = await loopbackResolver();
    ng = await startTaskNeargate({ taskDnsUpstreams: [`127.0.0.1:${resolver.port}`] });
    elb = elbv2Client(ng);
    const td = await registerTask(ng.client, [
      { name: 'web', command: httpd('hello from $(hostname)'), portMappings: [{ containerPort: 8080 }] },
    ]);
    const tasks = await Promise.all([runTask(ng.client, td), runTask(ng.client, td)]);
    ips = (await Promise.all(tasks.map((t) => waitForTask(ng.client, t.taskArn!, isRunning, 60_000)))).map(
      taskIp,
    );
  });
  after(async () => {
    await ng?.stop();
    resolver?.close();
  });

  test('an ALB: its DNS name in /etc/hosts, rules, targets initial then healthy, unhealthy with the real reason', async () => {
    const lb = await createLoadBalancer(elb, 'web');
    const hosts = await readFile('/etc/hosts', 'utf8');
    assert.ok(hosts.includes(`${lb.DNSName}`), 'the name is in /etc/hosts while the load balancer is active');
    const tg = await createTargetGroup(elb, lb, { Name: 'web', ...QUICK_CHECKS });
    const listenerArn = await forwardingListener(elb, lb, tg);
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', Values: ['/status'] }],
        Actions: [
          {
            Type: 'fixed-response',
            FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'all fine' },
          },
        ],
      }),
    );
    await elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: tg.TargetGroupArn!,
        Targets: ips.map((Id) => ({ Id, Port: 8080 })),
      }),
    );
    const first = await waitForTargets(elb, tg.TargetGroupArn!, (t) => t.length === 2, 'two targets');
    assert.ok(
      first.every((t) => t.TargetHealth?.State === 'initial' || t.TargetHealth?.State === 'healthy'),
      JSON.stringify(first),
    );
    await waitForTargets(
      elb,
      tg.TargetGroupArn!,
      (t) => states(t).every((s) => s === 'healthy'),
      'both targets healthy',
    );

    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const reply = await curl(`http://${lb.DNSName}/`);
      assert.equal(reply.status, 200);
      assert.match(reply.body, /^hello from /);
      seen.add(reply.body);
    }
    assert.equal(seen.size, 2, `both tasks answered through the DNS name: ${[...seen].join(' | ')}`);
    assert.deepEqual(await curl(`http://${lb.DNSName}/status`), { status: 200, body: 'all fine' });

    await elb.send(
      new ModifyTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn!, HealthCheckPath: '/missing' }),
    );
    const failing = await waitForTargets(
      elb,
      tg.TargetGroupArn!,
      (t) => states(t).every((s) => s === 'unhealthy'),
      'both targets unhealthy',
    );
    for (const t of failing) {
      assert.equal(t.TargetHealth?.Reason, 'Target.ResponseCodeMismatch');
      assert.equal(t.TargetHealth?.Description, 'Health checks failed with these codes: [404]');
    }
    // With every target unhealthy, ELB fails open: requests still go to all of them.
    assert.equal((await curl(`http://${lb.DNSName}/`)).status, 200);
  });

  test('an NLB: a TCP listener passes connections to the targets', async () => {
    const lb = await createLoadBalancer(elb, 'tcp', { type: 'network' });
    assert.match(lb.DNSName!, /^tcp-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
    const tg = await createTargetGroup(elb, lb, { Name: 'tcp', Protocol: 'TCP', ...QUICK_CHECKS });
    await forwardingListener(elb, lb, tg, { Port: 8000 });
    await elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: tg.TargetGroupArn!,
        Targets: [{ Id: ips[0]!, Port: 8080 }],
      }),
    );
    await waitForTargets(elb, tg.TargetGroupArn!, (t) => states(t)[0] === 'healthy', 'the target healthy');
    const reply = await curl(`http://${lb.DNSName}:8000/`);
    assert.equal(reply.status, 200);
    assert.match(reply.body, /^hello from /);
  });

  test("a task reaches a load balancer by its DNS name through the tasks' DNS server, which forwards other names to loopback resolvers", async () => {
    const lb = await createLoadBalancer(elb, 'inner');
    const tg = await createTargetGroup(elb, lb, { Name: 'inner', ...QUICK_CHECKS });
    await forwardingListener(elb, lb, tg);
    await elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: tg.TargetGroupArn!,
        Targets: [{ Id: ips[1]!, Port: 8080 }],
      }),
    );
    await waitForTargets(elb, tg.TargetGroupArn!, (t) => states(t)[0] === 'healthy', 'the target healthy');
    // Each step exits with its own code, so a failure says which.
    const td = await registerTask(ng.client, [
      {
        name: 'client',
        command: [
          'sh',
          '-c',
          [
            'grep -qx "nameserver 169.254.169.253" /etc/resolv.conf || exit 3',
            `wget -qO- http://${lb.DNSName}/ | grep -q "^hello from " || exit 4`,
            'nslookup db.corp.internal | grep -q 192.0.2.44 || exit 5',
          ].join('; '),
        ],
      },
    ]);
    const task = await runTask(ng.client, td);
    const done = await waitForTask(ng.client, task.taskArn!, isStopped, 90_000);
    assert.equal(done.containers![0]!.exitCode, 0, JSON.stringify(done.containers));
  });
});
