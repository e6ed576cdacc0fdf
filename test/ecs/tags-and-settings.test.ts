import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClusterNotFoundException,
  CreateClusterCommand,
  InvalidParameterException,
  ListAccountSettingsCommand,
  ListTagsForResourceCommand,
  PutAccountSettingCommand,
  PutAccountSettingDefaultCommand,
  RegisterTaskDefinitionCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecs';
import { aws } from '../support/aws-cli.ts';
import { ecsClient } from '../support/ecs-client.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

const clusterArn = (name: string) => `arn:aws:ecs:us-east-1:000000000000:cluster/${name}`;

describe('tags', () => {
  test('tag, list and untag a cluster through the CLI', async () => {
    await aws(ng.env, ['ecs', 'create-cluster', '--cluster-name', 'tagged']);
    const tag = await aws(ng.env, [
      'ecs',
      'tag-resource',
      '--resource-arn',
      clusterArn('tagged'),
      '--tags',
      'key=a,value=1',
      'key=b,value=2',
    ]);
    assert.equal(tag.code, 0, tag.stderr);
    const listed = await aws(ng.env, [
      'ecs',
      'list-tags-for-resource',
      '--resource-arn',
      clusterArn('tagged'),
    ]);
    assert.deepEqual(listed.json.tags, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    const untag = await aws(ng.env, [
      'ecs',
      'untag-resource',
      '--resource-arn',
      clusterArn('tagged'),
      '--tag-keys',
      'a',
    ]);
    assert.equal(untag.code, 0, untag.stderr);
    const after = await aws(ng.env, [
      'ecs',
      'list-tags-for-resource',
      '--resource-arn',
      clusterArn('tagged'),
    ]);
    assert.deepEqual(after.json.tags, [{ key: 'b', value: '2' }]);
  });

  test('task definitions are taggable by ARN, and a tag value is replaced, not doubled', async () => {
    const client = ecsClient(ng);
    const td = await client.send(
      new RegisterTaskDefinitionCommand({
        family: 'tagme',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'a', image: 'b' }],
      }),
    );
    const arn = td.taskDefinition!.taskDefinitionArn!;
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k', value: 'v1' }] }));
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k', value: 'v2' }] }));
    const out = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    assert.deepEqual(out.tags, [{ key: 'k', value: 'v2' }]);
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['k'] }));
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, []);
  });

  test('unknown resources, foreign ARNs and bad tags are refused with ECS errors', async () => {
    const client = ecsClient(ng);
    await assert.rejects(
      client.send(
        new TagResourceCommand({ resourceArn: clusterArn('ghost'), tags: [{ key: 'a', value: 'b' }] }),
      ),
      ClusterNotFoundException,
    );
    await assert.rejects(
      client.send(
        new ListTagsForResourceCommand({
          resourceArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/none:1',
        }),
      ),
      ResourceNotFoundException,
    );
    await assert.rejects(
      client.send(
        new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecr:us-east-1:000000000000:repository/x' }),
      ),
      InvalidParameterException,
    );
    await assert.rejects(
      client.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' })),
      InvalidParameterException,
    );
    await client.send(new CreateClusterCommand({ clusterName: 'limits' }));
    await assert.rejects(
      client.send(
        new TagResourceCommand({ resourceArn: clusterArn('limits'), tags: [{ key: 'aws:x', value: 'b' }] }),
      ),
      InvalidParameterException,
    );
    await assert.rejects(
      client.send(
        new TagResourceCommand({
          resourceArn: clusterArn('limits'),
          tags: [{ key: 'k'.repeat(129), value: 'b' }],
        }),
      ),
      InvalidParameterException,
    );
    const many = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await assert.rejects(
      client.send(new TagResourceCommand({ resourceArn: clusterArn('limits'), tags: many })),
    );
  });
});

describe('account settings', () => {
  test('effective settings start from ECS defaults for the root user', async () => {
    const out = await aws(ng.env, ['ecs', 'list-account-settings', '--effective-settings']);
    assert.equal(out.code, 0, out.stderr);
    const byName = Object.fromEntries(
      out.json.settings.map((s: { name: string; value: string }) => [s.name, s.value]),
    );
    assert.equal(byName.serviceLongArnFormat, 'enabled');
    assert.equal(byName.taskLongArnFormat, 'enabled');
    assert.equal(byName.containerInsights, 'disabled');
    assert.ok(
      out.json.settings.every(
        (s: { principalArn: string }) => s.principalArn === 'arn:aws:iam::000000000000:root',
      ),
    );
    const own = await aws(ng.env, ['ecs', 'list-account-settings']);
    assert.deepEqual(own.json.settings, [], 'nothing set yet');
  });

  test('put-account-setting-default and put-account-setting through the CLI', async () => {
    const def = await aws(ng.env, [
      'ecs',
      'put-account-setting-default',
      '--name',
      'awsvpcTrunking',
      '--value',
      'enabled',
    ]);
    // Debian's awscli 2.9 has an older model, without Setting.type: it prints what it knows.
    assert.deepEqual(def.json.setting, {
      name: 'awsvpcTrunking',
      value: 'enabled',
      principalArn: 'arn:aws:iam::000000000000:root',
    });
    const own = await aws(ng.env, [
      'ecs',
      'put-account-setting',
      '--name',
      'awsvpcTrunking',
      '--value',
      'disabled',
    ]);
    assert.equal(own.json.setting.value, 'disabled');
    const list = await aws(ng.env, [
      'ecs',
      'list-account-settings',
      '--name',
      'awsvpcTrunking',
      '--effective-settings',
    ]);
    assert.equal(list.json.settings[0].value, 'disabled', 'the root user setting is the account setting');
    await aws(ng.env, ['ecs', 'delete-account-setting', '--name', 'awsvpcTrunking']);
  });

  test('PutAccountSettingDefault changes what new clusters get', async () => {
    const client = ecsClient(ng);
    const put = await client.send(
      new PutAccountSettingDefaultCommand({ name: 'containerInsights', value: 'enabled' }),
    );
    assert.deepEqual(put.setting, {
      name: 'containerInsights',
      value: 'enabled',
      principalArn: 'arn:aws:iam::000000000000:root',
      type: 'user',
    });
    const c = await client.send(new CreateClusterCommand({ clusterName: 'insightful' }));
    assert.deepEqual(c.cluster?.settings, [{ name: 'containerInsights', value: 'enabled' }]);
    await client.send(new PutAccountSettingDefaultCommand({ name: 'containerInsights', value: 'disabled' }));
  });

  test('a setting for another principal, and the effective value it gets', async () => {
    const client = ecsClient(ng);
    const user = 'arn:aws:iam::000000000000:user/alice';
    await client.send(
      new PutAccountSettingCommand({ name: 'awsvpcTrunking', value: 'enabled', principalArn: user }),
    );
    const own = await client.send(new ListAccountSettingsCommand({ principalArn: user }));
    assert.deepEqual(
      own.settings?.map((s) => [s.name, s.value]),
      [['awsvpcTrunking', 'enabled']],
    );
    const eff = await client.send(
      new ListAccountSettingsCommand({ principalArn: user, effectiveSettings: true, name: 'awsvpcTrunking' }),
    );
    assert.deepEqual(
      eff.settings?.map((s) => [s.value, s.principalArn]),
      [['enabled', user]],
    );
    const rootView = await client.send(
      new ListAccountSettingsCommand({ effectiveSettings: true, name: 'awsvpcTrunking' }),
    );
    assert.equal(rootView.settings?.[0]?.value, 'disabled');
  });

  test('bad values and names are refused', async () => {
    const client = ecsClient(ng);
    await assert.rejects(
      client.send(new PutAccountSettingCommand({ name: 'serviceLongArnFormat', value: 'ENABLED' })),
      (e: unknown) => e instanceof InvalidParameterException && e.message === "Invalid setting 'value'",
    );
    await assert.rejects(
      client.send(new PutAccountSettingCommand({ name: 'tagResourceAuthorization', value: 'enabled' })),
      InvalidParameterException,
    );
    await assert.rejects(
      client.send(new PutAccountSettingCommand({ name: 'fargateFIPSMode', value: 'enabled' })),
      InvalidParameterException,
    );
    const cli = await aws(ng.env, ['ecs', 'put-account-setting', '--name', 'noSuchSetting', '--value', 'x']);
    assert.notEqual(cli.code, 0);
  });

  test('ListAccountSettings pages', async () => {
    const client = ecsClient(ng);
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListAccountSettingsCommand({
          effectiveSettings: true,
          maxResults: 4,
          ...(nextToken && { nextToken }),
        }),
      );
      seen.push(...(page.settings ?? []).map((s) => s.name!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.equal(seen.length, 11);
    assert.equal(new Set(seen).size, 11);
  });
});
