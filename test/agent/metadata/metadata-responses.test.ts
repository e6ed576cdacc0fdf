import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  containerKnownStatus,
  containerResponse,
  rfc3339,
  taskKnownStatus,
  taskResponse,
} from '../../../src/agent/metadata/metadata-responses.ts';
import { runtimeId } from '../../../src/agent/runtime-id.ts';
import { CLUSTER_ARN, container, facts, TASK_ARN, TASK_ID, task } from './fixtures.ts';

describe('task metadata responses', () => {
  it('shapes a v4 container as Fargate does, field for field', () => {
    const c = container({
      dockerLabels: { team: 'web' },
      ports: [{ containerPort: 80, protocol: 'tcp' }],
      logDriver: 'awslogs',
      logOptions: {
        'awslogs-group': '/ecs/web',
        'awslogs-region': 'eu-west-1',
        'awslogs-stream-prefix': 'ecs',
      },
      healthStatus: 'HEALTHY',
    });
    assert.deepEqual(containerResponse('v4', task({ containers: [c] }), c, facts()), {
      DockerId: runtimeId(TASK_ID, 'web'),
      Name: 'web',
      DockerName: 'web',
      Image: 'nginx:1.27',
      ImageID: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
      Ports: [{ ContainerPort: 80, Protocol: 'tcp', HostPort: 80 }],
      Labels: {
        'com.amazonaws.ecs.cluster': CLUSTER_ARN,
        'com.amazonaws.ecs.container-name': 'web',
        'com.amazonaws.ecs.task-arn': TASK_ARN,
        'com.amazonaws.ecs.task-definition-family': 'web',
        'com.amazonaws.ecs.task-definition-version': '7',
        team: 'web',
      },
      DesiredStatus: 'RUNNING',
      KnownStatus: 'RUNNING',
      Limits: { CPU: 128, Memory: 256 },
      CreatedAt: '2025-03-20T16:41:26.1Z',
      StartedAt: '2025-03-20T16:41:26.35Z',
      Type: 'NORMAL',
      Health: { status: 'HEALTHY' },
      LogDriver: 'awslogs',
      // The agent turns the prefix into the stream it names.
      LogOptions: {
        'awslogs-group': '/ecs/web',
        'awslogs-region': 'eu-west-1',
        'awslogs-stream': `ecs/web/${TASK_ID}`,
      },
      ContainerARN: c.containerArn,
      Networks: [
        {
          NetworkMode: 'awsvpc',
          IPv4Addresses: ['172.31.16.9'],
          AttachmentIndex: 0,
          MACAddress: '16:ff:d6:e1:dc:99',
          IPv4SubnetCIDRBlock: '172.31.16.0/20',
          DomainNameServers: ['172.31.0.2'],
          DomainNameSearchList: ['eu-west-1.compute.internal'],
          PrivateDNSName: 'ip-172-31-16-9.eu-west-1.compute.internal',
          SubnetGatewayIpv4Address: '172.31.16.1/20',
        },
      ],
      Snapshotter: 'overlayfs',
    });
  });

  it("leaves out what a container does not have, and says v3 in v3's words", () => {
    const { memoryMiB: _memory, ...unlimited } = container({ cpuUnits: 0 });
    const c = unlimited;
    const v3 = containerResponse('v3', task(), c, facts({}, { dnsServers: [], dnsSearchList: [] }));
    assert.deepEqual(v3.Limits, { CPU: 0 });
    assert.deepEqual(v3.Networks, [{ NetworkMode: 'awsvpc', IPv4Addresses: ['172.31.16.9'] }]);
    for (const absent of [
      'Ports',
      'Health',
      'ExitCode',
      'FinishedAt',
      'ContainerARN',
      'LogDriver',
      'Snapshotter',
    ]) {
      assert.equal(absent in v3, false, absent);
    }
    const v4 = containerResponse('v4', task(), c, facts({}, { dnsServers: [], dnsSearchList: [] }));
    const [network] = v4.Networks as Record<string, unknown>[];
    assert.equal('DomainNameServers' in network!, false);
  });

  it('reports an exited container with its exit code and finish time, and that it is wanted stopped', () => {
    const finishedAt = new Date(Date.UTC(2025, 2, 20, 17, 0, 0));
    const out = containerResponse(
      'v4',
      task(),
      container({ lastStatus: 'RUNNING' }),
      facts({ status: 'stopped', exitCode: 3, finishedAt }),
    );
    assert.equal(out.KnownStatus, 'STOPPED');
    assert.equal(out.DesiredStatus, 'STOPPED');
    assert.equal(out.ExitCode, 3);
    assert.equal(out.FinishedAt, '2025-03-20T17:00:00Z');
  });

  it('shapes the task, its limits in vCPU, its disk and, when asked, its tags', () => {
    const out = taskResponse('v4', task({ serviceName: 'web-svc' }), facts(), { withTags: true });
    assert.deepEqual(Object.keys(out), [
      'Cluster',
      'TaskARN',
      'Family',
      'Revision',
      'DesiredStatus',
      'KnownStatus',
      'Limits',
      'PullStartedAt',
      'PullStoppedAt',
      'AvailabilityZone',
      'TaskTags',
      'LaunchType',
      'ServiceName',
      'Containers',
      'EphemeralStorageMetrics',
    ]);
    assert.deepEqual(out.Limits, { CPU: 0.5, Memory: 1024 });
    assert.equal(out.Revision, '7');
    assert.equal(out.PullStartedAt, '2025-03-20T16:41:24.713Z');
    assert.deepEqual(out.TaskTags, { team: 'web' });
    assert.deepEqual(out.EphemeralStorageMetrics, { Utilized: 208, Reserved: 20_480 });
    const v3 = taskResponse('v3', task({ serviceName: 'web-svc' }), facts());
    for (const absent of ['TaskTags', 'LaunchType', 'ServiceName', 'EphemeralStorageMetrics']) {
      assert.equal(absent in v3, false, absent);
    }
  });

  it('knows statuses as the agent does, ahead of the control plane when the host knows better', () => {
    const pending = task({ lastStatus: 'PENDING', containers: [container({ lastStatus: 'PENDING' })] });
    assert.equal(taskKnownStatus(pending, facts({ status: 'created' })), 'NONE');
    assert.equal(taskKnownStatus(pending, facts({ status: 'running' })), 'RUNNING');
    assert.equal(taskKnownStatus(task({ lastStatus: 'STOPPING' }), facts()), 'RUNNING');
    assert.equal(taskKnownStatus(task({ lastStatus: 'DEPROVISIONING' }), facts()), 'STOPPED');
    const c = container({ lastStatus: 'PENDING' });
    const { imageDigest: _digest, ...unpulled } = c;
    assert.equal(containerKnownStatus(unpulled, { status: 'missing' }), 'NONE');
    assert.equal(containerKnownStatus(c, { status: 'missing' }), 'PULLED');
    assert.equal(containerKnownStatus(c, { status: 'created' }), 'CREATED');
    assert.equal(containerKnownStatus(c, { status: 'running' }), 'RUNNING');
    assert.equal(containerKnownStatus({ ...c, lastStatus: 'STOPPED' }, undefined), 'STOPPED');
  });

  it('writes times as Go writes RFC 3339 with nanoseconds', () => {
    assert.equal(rfc3339(Date.UTC(2020, 9, 2, 0, 43, 6, 202)), '2020-10-02T00:43:06.202Z');
    assert.equal(rfc3339(Date.UTC(2020, 9, 2, 0, 43, 6, 200)), '2020-10-02T00:43:06.2Z');
    assert.equal(rfc3339(Date.UTC(2020, 9, 2, 0, 43, 6)), '2020-10-02T00:43:06Z');
  });
});
