import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ListImagesCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import { putAccessKey } from '../../src/store/access-keys.ts';
import { aws } from '../support/aws-cli.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';
import {
  ecrClient,
  noSkopeo,
  ociArchive,
  registryCreds,
  registryHostOf,
  skopeoPush,
} from '../support/registry.ts';

describe('the ECR API', { skip: noSkopeo }, () => {
  let ng: TestNeargate;
  let dir: string;
  const ecr = () => ecrClient(ng);

  before(async () => {
    ng = await startTestNeargate();
    dir = await mkdtemp(join(tmpdir(), 'neargate-ecr-'));
  });
  after(async () => {
    await ng?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const errorOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return { name: (e as Error).name, message: (e as Error).message };
    }
    assert.fail('expected an error');
  };

  test('repositories: create, describe with pages, per region, refused twice, deleted only when empty or forced', async () => {
    const created = await ecr().send(
      new CreateRepositoryCommand({ repositoryName: 'repo-a', imageTagMutability: 'IMMUTABLE' }),
    );
    const account = '000000000000';
    assert.equal(created.repository?.repositoryUri, `${account}.dkr.ecr.${ng.region}.amazonaws.com/repo-a`);
    assert.equal(created.repository?.repositoryArn, `arn:aws:ecr:${ng.region}:${account}:repository/repo-a`);
    assert.equal(created.repository?.imageTagMutability, 'IMMUTABLE');
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'repo-b' }));
    const again = await errorOf(ecr().send(new CreateRepositoryCommand({ repositoryName: 'repo-a' })));
    assert.equal(again.name, 'RepositoryAlreadyExistsException');
    assert.equal(
      again.message,
      `The repository with name 'repo-a' already exists in the registry with id '${account}'`,
    );
    const bad = await errorOf(ecr().send(new CreateRepositoryCommand({ repositoryName: 'Upper' })));
    assert.equal(bad.name, 'InvalidParameterException');
    const page = await ecr().send(new DescribeRepositoriesCommand({ maxResults: 1 }));
    assert.deepEqual(
      page.repositories?.map((r) => r.repositoryName),
      ['repo-a'],
    );
    const rest = await ecr().send(
      new DescribeRepositoriesCommand({ maxResults: 1, nextToken: page.nextToken }),
    );
    assert.deepEqual(
      rest.repositories?.map((r) => r.repositoryName),
      ['repo-b'],
    );
    const elsewhere = ecrClient(ng, 'eu-west-1');
    assert.deepEqual((await elsewhere.send(new DescribeRepositoriesCommand({}))).repositories, []);
    const missing = await errorOf(
      elsewhere.send(new DescribeRepositoriesCommand({ repositoryNames: ['repo-a'] })),
    );
    assert.equal(missing.name, 'RepositoryNotFoundException');
    assert.equal(
      missing.message,
      `The repository with name 'repo-a' does not exist in the registry with id '${account}'`,
    );
    // The AWS CLI sees the same.
    const cli = await aws(ng.env, ['ecr', 'describe-repositories', '--repository-names', 'repo-b']);
    assert.equal(
      (cli.json as { repositories: { repositoryName: string }[] }).repositories[0]?.repositoryName,
      'repo-b',
    );

    await skopeoPush(
      await ociArchive(dir, { references: ['a:1'] }),
      `${registryHostOf(ng)}/repo-b:1`,
      await registryCreds(ecr()),
    );
    const notEmpty = await errorOf(ecr().send(new DeleteRepositoryCommand({ repositoryName: 'repo-b' })));
    assert.equal(notEmpty.name, 'RepositoryNotEmptyException');
    const deleted = await ecr().send(new DeleteRepositoryCommand({ repositoryName: 'repo-b', force: true }));
    assert.equal(deleted.repository?.repositoryName, 'repo-b');
    const gone = await errorOf(ecr().send(new DescribeImagesCommand({ repositoryName: 'repo-b' })));
    assert.equal(gone.name, 'RepositoryNotFoundException');
  });

  test('images: pushed with skopeo, listed, described, fetched, retagged with PutImage, deleted by tag and digest', async () => {
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'images' }));
    const creds = await registryCreds(ecr());
    await skopeoPush(
      await ociArchive(dir, { references: ['i:1'], config: { Cmd: ['one'] } }),
      `${registryHostOf(ng)}/images:one`,
      creds,
    );
    await skopeoPush(
      await ociArchive(dir, { references: ['i:2'], config: { Cmd: ['two'] } }),
      `${registryHostOf(ng)}/images:two`,
      creds,
    );
    const listed = await ecr().send(new ListImagesCommand({ repositoryName: 'images' }));
    assert.deepEqual(listed.imageIds?.map((i) => i.imageTag).sort(), ['one', 'two']);
    const [got] =
      (
        await ecr().send(
          new BatchGetImageCommand({ repositoryName: 'images', imageIds: [{ imageTag: 'one' }] }),
        )
      ).images ?? [];
    assert.ok(got?.imageManifest && got.imageId?.imageDigest);
    const retag = await ecr().send(
      new PutImageCommand({ repositoryName: 'images', imageManifest: got.imageManifest, imageTag: 'latest' }),
    );
    assert.equal(retag.image?.imageId?.imageDigest, got.imageId.imageDigest);
    const same = await errorOf(
      ecr().send(
        new PutImageCommand({
          repositoryName: 'images',
          imageManifest: got.imageManifest,
          imageTag: 'latest',
        }),
      ),
    );
    assert.equal(same.name, 'ImageAlreadyExistsException');
    const broken = await errorOf(
      ecr().send(
        new PutImageCommand({
          repositoryName: 'images',
          imageManifest: got.imageManifest.replace(/sha256:[0-9a-f]{4}/, 'sha256:0000'),
          imageTag: 'x',
        }),
      ),
    );
    assert.equal(broken.name, 'LayersNotFoundException');
    const detail = await ecr().send(
      new DescribeImagesCommand({ repositoryName: 'images', imageIds: [{ imageTag: 'latest' }] }),
    );
    assert.deepEqual(detail.imageDetails?.[0]?.imageTags, ['latest', 'one']);
    assert.ok((detail.imageDetails?.[0]?.imageSizeInBytes ?? 0) > 0);
    const missing = await errorOf(
      ecr().send(new DescribeImagesCommand({ repositoryName: 'images', imageIds: [{ imageTag: 'nope' }] })),
    );
    assert.equal(missing.name, 'ImageNotFoundException');

    const byTag = await ecr().send(
      new BatchDeleteImageCommand({
        repositoryName: 'images',
        imageIds: [{ imageTag: 'one' }, { imageTag: 'nope' }],
      }),
    );
    assert.deepEqual(
      byTag.imageIds?.map((i) => i.imageTag),
      ['one'],
    );
    assert.equal(byTag.failures?.[0]?.failureCode, 'ImageNotFound');
    const byDigest = await ecr().send(
      new BatchDeleteImageCommand({
        repositoryName: 'images',
        imageIds: [{ imageDigest: got.imageId.imageDigest }],
      }),
    );
    assert.deepEqual(
      byDigest.imageIds?.map((i) => i.imageTag),
      ['latest'],
    );
    const left = await ecr().send(new ListImagesCommand({ repositoryName: 'images' }));
    assert.deepEqual(
      left.imageIds?.map((i) => i.imageTag),
      ['two'],
    );
  });

  test('an immutable repository keeps its tags where they are', async () => {
    await ecr().send(
      new CreateRepositoryCommand({ repositoryName: 'fixed', imageTagMutability: 'IMMUTABLE' }),
    );
    const creds = await registryCreds(ecr());
    await skopeoPush(
      await ociArchive(dir, { references: ['f:1'], config: { Cmd: ['a'] } }),
      `${registryHostOf(ng)}/fixed:v1`,
      creds,
    );
    await assert.rejects(
      skopeoPush(
        await ociArchive(dir, { references: ['f:1'], config: { Cmd: ['b'] } }),
        `${registryHostOf(ng)}/fixed:v1`,
        creds,
      ),
      /cannot be overwritten because the repository is immutable/,
    );
  });

  test('tags on repositories; lifecycle policies are refused, not stored', async () => {
    const { repository } = await ecr().send(
      new CreateRepositoryCommand({ repositoryName: 'tagged', tags: [{ Key: 'team', Value: 'a' }] }),
    );
    const arn = repository!.repositoryArn!;
    await ecr().send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'env', Value: 'dev' }] }));
    await ecr().send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    assert.deepEqual((await ecr().send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [
      { Key: 'env', Value: 'dev' },
    ]);
    const refused = await errorOf(
      ecr().send(
        new PutLifecyclePolicyCommand({
          repositoryName: 'tagged',
          lifecyclePolicyText: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                selection: {
                  tagStatus: 'untagged',
                  countType: 'sinceImagePushed',
                  countUnit: 'days',
                  countNumber: 14,
                },
                action: { type: 'expire' },
              },
            ],
          }),
        }),
      ),
    );
    assert.equal(refused.name, 'ValidationException');
    assert.match(refused.message, /not supported by neargate/);
    const none = await errorOf(ecr().send(new GetLifecyclePolicyCommand({ repositoryName: 'tagged' })));
    assert.equal(none.name, 'LifecyclePolicyNotFoundException');
  });

  test('repositories and images are per account: another account sees none of them, and pushes its own', async () => {
    // neargate has no IAM: another account's root key is put in the store, as its own start would.
    const other = { accessKeyId: 'AKIAOTHERACCOUNT0001', secretAccessKey: 'other/secret/0123456789' };
    await putAccessKey(
      ng.store.db,
      { ...other, account: '111111111111', principalArn: 'arn:aws:iam::111111111111:root' },
      Date.now(),
    );
    const theirs = new ECRClient({
      endpoint: ng.url,
      region: ng.region,
      credentials: other,
      maxAttempts: 1,
    });
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'shared-name' }));
    await skopeoPush(
      await ociArchive(dir, { references: ['mine:1'] }),
      `${registryHostOf(ng)}/shared-name:mine`,
      await registryCreds(ecr()),
    );
    const none = await errorOf(theirs.send(new DescribeImagesCommand({ repositoryName: 'shared-name' })));
    assert.equal(none.name, 'RepositoryNotFoundException');
    const made = await theirs.send(new CreateRepositoryCommand({ repositoryName: 'shared-name' }));
    assert.equal(
      made.repository?.repositoryArn,
      `arn:aws:ecr:${ng.region}:111111111111:repository/shared-name`,
    );
    // Their registry password reaches their repository, not ours.
    await skopeoPush(
      await ociArchive(dir, { references: ['theirs:1'] }),
      `${registryHostOf(ng)}/shared-name:theirs`,
      await registryCreds(theirs),
    );
    const tags = async (client: ECRClient) =>
      ((await client.send(new DescribeImagesCommand({ repositoryName: 'shared-name' }))).imageDetails ?? [])
        .flatMap((d) => d.imageTags ?? [])
        .sort();
    assert.deepEqual(await tags(ecr()), ['mine']);
    assert.deepEqual(await tags(theirs), ['theirs']);
  });

  test('GetAuthorizationToken: a 12-hour AWS password, and a proxyEndpoint where the registry answers it', async () => {
    const before = Date.now();
    const out = await ecr().send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData?.[0];
    assert.ok(data?.authorizationToken && data.proxyEndpoint && data.expiresAt, JSON.stringify(out));
    const [user, password] = Buffer.from(data.authorizationToken, 'base64').toString('utf8').split(':');
    assert.equal(user, 'AWS');
    const hours = (data.expiresAt.getTime() - before) / 3_600_000;
    assert.ok(hours > 11.9 && hours <= 12.01, `expires in ${hours} h`);
    // The endpoint is one the host reaches: the registry's API answers there, with that password only.
    const v2 = new URL('/v2/', data.proxyEndpoint);
    assert.equal((await fetch(v2)).status, 401);
    const ok = await fetch(v2, { headers: { authorization: `Basic ${data.authorizationToken}` } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.ok(password && password.length > 20);
    const cli = await aws(ng.env, ['ecr', 'get-authorization-token']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.json.authorizationData[0].proxyEndpoint, data.proxyEndpoint);
  });

  test('aws ecr get-login-password gives a password skopeo logs in with', async () => {
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'cli-login' }));
    const out = await aws(ng.env, ['ecr', 'get-login-password']);
    const password = out.stdout.trim();
    await skopeoPush(
      await ociArchive(dir, { references: ['c:1'] }),
      `${registryHostOf(ng)}/cli-login:1`,
      `AWS:${password}`,
    );
    const images = await ecr().send(new ListImagesCommand({ repositoryName: 'cli-login' }));
    assert.equal(images.imageIds?.length, 1);
  });
});
