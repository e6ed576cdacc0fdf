import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClusterNotFoundException,
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  InvalidParameterException,
  ListClustersCommand,
  PutClusterCapacityProvidersCommand,
  UpdateClusterCommand,
  UpdateClusterSettingsCommand,
} from '@aws-sdk/client-ecs';
import { aws } from '../support/aws-cli.ts';
import { ecsClient } from '../support/ecs-client.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

const arn = (name: string, region = 'us-east-1') => `arn:aws:ecs:${region}:000000000000:cluster/${name}`;

describe('clusters through the AWS CLI', () => {
  test('create, describe with include, list, update and delete', async () => {
    const created = await aws(ng.env, [
      'ecs',
      'create-cluster',
      '--cluster-name',
      'cli-one',
      '--tags',
      'key=team,value=a',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.json.cluster.clusterArn, arn('cli-one'));
    assert.equal(created.json.cluster.status, 'ACTIVE');
    assert.deepEqual(created.json.cluster.settings, [{ name: 'containerInsights', value: 'disabled' }]);

    const plain = await aws(ng.env, ['ecs', 'describe-clusters', '--clusters', 'cli-one']);
    assert.equal(plain.json.clusters[0].settings, undefined, 'settings only with include SETTINGS');
    assert.deepEqual(plain.json.clusters[0].tags, []);

    const full = await aws(ng.env, [
      'ecs',
      'describe-clusters',
      '--clusters',
      arn('cli-one'),
      'nope',
      '--include',
      'TAGS',
      'SETTINGS',
      'STATISTICS',
    ]);
    assert.equal(full.code, 0, full.stderr);
    assert.deepEqual(full.json.clusters[0].tags, [{ key: 'team', value: 'a' }]);
    assert.ok(
      full.json.clusters[0].statistics.some((s: { name: string }) => s.name === 'runningFargateTasksCount'),
    );
    assert.deepEqual(full.json.failures, [{ arn: arn('nope'), reason: 'MISSING' }]);

    const listed = await aws(ng.env, ['ecs', 'list-clusters']);
    assert.ok(listed.json.clusterArns.includes(arn('cli-one')));

    const updated = await aws(ng.env, [
      'ecs',
      'update-cluster-settings',
      '--cluster',
      'cli-one',
      '--settings',
      'name=containerInsights,value=enhanced',
    ]);
    assert.equal(updated.code, 0, updated.stderr);
    assert.deepEqual(updated.json.cluster.settings, [{ name: 'containerInsights', value: 'enhanced' }]);

    const bad = await aws(ng.env, [
      'ecs',
      'update-cluster',
      '--cluster',
      'cli-one',
      '--settings',
      'name=containerInsights,value=sometimes',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidParameterException.*Invalid setting 'value'/);

    const deleted = await aws(ng.env, ['ecs', 'delete-cluster', '--cluster', 'cli-one']);
    assert.equal(deleted.json.cluster.status, 'INACTIVE');
    const after = await aws(ng.env, ['ecs', 'describe-clusters', '--clusters', 'cli-one']);
    assert.equal(after.json.clusters[0].status, 'INACTIVE', 'a deleted cluster stays describable');
    const listedAfter = await aws(ng.env, ['ecs', 'list-clusters']);
    assert.ok(!listedAfter.json.clusterArns.includes(arn('cli-one')));
  });

  test('capacity providers: FARGATE and FARGATE_SPOT, and a default strategy', async () => {
    const described = await aws(ng.env, ['ecs', 'describe-capacity-providers']);
    assert.deepEqual(
      described.json.capacityProviders.map((c: { name: string; status: string }) => [c.name, c.status]),
      [
        ['FARGATE', 'ACTIVE'],
        ['FARGATE_SPOT', 'ACTIVE'],
      ],
    );
    await aws(ng.env, ['ecs', 'create-cluster', '--cluster-name', 'cp']);
    const put = await aws(ng.env, [
      'ecs',
      'put-cluster-capacity-providers',
      '--cluster',
      'cp',
      '--capacity-providers',
      'FARGATE',
      'FARGATE_SPOT',
      '--default-capacity-provider-strategy',
      'capacityProvider=FARGATE,weight=1,base=1',
      'capacityProvider=FARGATE_SPOT,weight=4',
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(put.json.cluster.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
    assert.deepEqual(put.json.cluster.defaultCapacityProviderStrategy, [
      { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 4 },
    ]);
    const unknown = await aws(ng.env, [
      'ecs',
      'put-cluster-capacity-providers',
      '--cluster',
      'cp',
      '--capacity-providers',
      'MINE',
      '--default-capacity-provider-strategy',
      'capacityProvider=MINE,weight=1',
    ]);
    assert.match(unknown.stderr, /InvalidParameterException.*The specified capacity provider was not found/);
    const notAssociated = await aws(ng.env, [
      'ecs',
      'put-cluster-capacity-providers',
      '--cluster',
      'cp',
      '--capacity-providers',
      'FARGATE',
      '--default-capacity-provider-strategy',
      'capacityProvider=FARGATE_SPOT,weight=1',
    ]);
    assert.match(notAssociated.stderr, /not associated with the cluster/);
  });
});

describe('clusters through the SDK', () => {
  const client = () => ecsClient(ng);

  test('the default cluster exists implicitly', async () => {
    const out = await client().send(new DescribeClustersCommand({}));
    assert.equal(out.clusters?.[0]?.clusterName, 'default');
    assert.equal(out.clusters?.[0]?.status, 'ACTIVE');
  });

  test('CreateCluster is idempotent, and refuses different arguments for the same name', async () => {
    const a = await client().send(new CreateClusterCommand({ clusterName: 'idem' }));
    const b = await client().send(new CreateClusterCommand({ clusterName: 'idem' }));
    assert.equal(a.cluster?.clusterArn, b.cluster?.clusterArn);
    await assert.rejects(
      client().send(
        new CreateClusterCommand({
          clusterName: 'idem',
          settings: [{ name: 'containerInsights', value: 'enabled' }],
        }),
      ),
      (e: unknown) => e instanceof InvalidParameterException && /inconsistent/.test(e.message),
    );
  });

  test('unknown clusters answer ClusterNotFoundException', async () => {
    await assert.rejects(
      client().send(new DeleteClusterCommand({ cluster: 'never' })),
      (e: unknown) => e instanceof ClusterNotFoundException && e.message === 'Cluster not found.',
    );
    await assert.rejects(
      client().send(new UpdateClusterSettingsCommand({ cluster: 'never', settings: [] })),
      ClusterNotFoundException,
    );
  });

  test('ListClusters pages with maxResults and nextToken', async () => {
    for (const n of ['p-a', 'p-b', 'p-c', 'p-d', 'p-e'])
      await client().send(new CreateClusterCommand({ clusterName: n }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client().send(
        new ListClustersCommand({ maxResults: 2, ...(nextToken && { nextToken }) }),
      );
      assert.ok((page.clusterArns?.length ?? 0) <= 2);
      seen.push(...(page.clusterArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    for (const n of ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']) assert.ok(seen.includes(arn(n)), n);
    assert.equal(new Set(seen).size, seen.length, 'no cluster twice');
    await assert.rejects(
      client().send(new ListClustersCommand({ maxResults: 101 })),
      InvalidParameterException,
    );
    await assert.rejects(
      client().send(new ListClustersCommand({ nextToken: 'garbage!' })),
      InvalidParameterException,
    );
  });

  test('clusters are kept per region', async () => {
    await client().send(new CreateClusterCommand({ clusterName: 'east-only' }));
    const west = ecsClient(ng, { region: 'eu-west-1' });
    const listed = await west.send(new ListClustersCommand({}));
    assert.ok(!listed.clusterArns?.some((a) => a.endsWith('/east-only')));
    const created = await west.send(new CreateClusterCommand({ clusterName: 'west' }));
    assert.equal(created.cluster?.clusterArn, arn('west', 'eu-west-1'));
  });

  test('UpdateCluster keeps configuration and DescribeClusters shows it with CONFIGURATIONS', async () => {
    await client().send(new CreateClusterCommand({ clusterName: 'conf' }));
    await client().send(
      new UpdateClusterCommand({
        cluster: 'conf',
        configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } },
      }),
    );
    const d = await client().send(
      new DescribeClustersCommand({ clusters: ['conf'], include: ['CONFIGURATIONS'] }),
    );
    assert.deepEqual(d.clusters?.[0]?.configuration, { executeCommandConfiguration: { logging: 'DEFAULT' } });
  });

  test('PutClusterCapacityProviders refuses two providers with a base', async () => {
    await assert.rejects(
      client().send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'default',
          capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
          defaultCapacityProviderStrategy: [
            { capacityProvider: 'FARGATE', base: 1 },
            { capacityProvider: 'FARGATE_SPOT', base: 2 },
          ],
        }),
      ),
      InvalidParameterException,
    );
  });

  test('DescribeCapacityProviders reports unknown names as failures', async () => {
    const out = await client().send(
      new DescribeCapacityProvidersCommand({ capacityProviders: ['FARGATE', 'other'] }),
    );
    assert.equal(out.capacityProviders?.[0]?.name, 'FARGATE');
    assert.deepEqual(out.failures, [{ arn: 'other', reason: 'MISSING' }]);
  });
});
