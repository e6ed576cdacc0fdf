import type { ContainerFacts, TaskFacts } from '../../../src/agent/metadata/metadata-responses.ts';
import type { ContainerMetadata, TaskMetadata } from '../../../src/agent/metadata/task-metadata-source.ts';
import { runtimeId } from '../../../src/agent/runtime-id.ts';

export const TASK_ID = '0123456789abcdef0123456789abcdef';
export const TASK_ARN = `arn:aws:ecs:eu-west-1:111122223333:task/prod/${TASK_ID}`;
export const CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod';

export function container(over: Partial<ContainerMetadata> = {}): ContainerMetadata {
  return {
    name: 'web',
    containerArn: `arn:aws:ecs:eu-west-1:111122223333:container/prod/${TASK_ID}/aaaa-bbbb`,
    image: 'nginx:1.27',
    imageDigest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
    lastStatus: 'RUNNING',
    cpuUnits: 128,
    memoryMiB: 256,
    dockerLabels: {},
    ports: [],
    ...over,
  };
}

export function task(over: Partial<TaskMetadata> = {}): TaskMetadata {
  return {
    taskId: TASK_ID,
    taskArn: TASK_ARN,
    clusterArn: CLUSTER_ARN,
    family: 'web',
    revision: 7,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    cpuUnits: 512,
    memoryMiB: 1024,
    pullStartedAtMs: Date.UTC(2025, 2, 20, 16, 41, 24, 713),
    pullStoppedAtMs: Date.UTC(2025, 2, 20, 16, 41, 25, 620),
    availabilityZone: 'eu-west-1b',
    launchType: 'FARGATE',
    ephemeralStorageGiB: 20,
    tags: { team: 'web' },
    network: {
      ipv4: '172.31.16.9',
      macAddress: '16:ff:d6:e1:dc:99',
      subnetCidr: '172.31.16.0/20',
      privateDnsName: 'ip-172-31-16-9.eu-west-1.compute.internal',
    },
    containers: [container()],
    ...over,
  };
}

export function facts(over: Partial<ContainerFacts> = {}, extra: Partial<TaskFacts> = {}): TaskFacts {
  return {
    containers: new Map([
      [
        'web',
        {
          runtimeId: runtimeId(TASK_ID, 'web'),
          status: 'running',
          createdAt: new Date(Date.UTC(2025, 2, 20, 16, 41, 26, 100)),
          startedAt: new Date(Date.UTC(2025, 2, 20, 16, 41, 26, 350)),
          imageId: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
          ...over,
        },
      ],
    ]),
    dnsServers: ['172.31.0.2'],
    dnsSearchList: ['eu-west-1.compute.internal'],
    ephemeralStorageUsedMiB: 208,
    ...extra,
  };
}
