import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateRepositoryCommand, DescribeImagesCommand } from '@aws-sdk/client-ecr';
import type { ContainerDefinition, Task } from '@aws-sdk/client-ecs';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { secretsClient } from '../support/aws-clients.ts';
import {
  ecrClient,
  externalIpv4,
  noReferenceRegistry,
  noSkopeo,
  ociArchive,
  type ReferenceRegistry,
  registryCreds,
  registryHostOf,
  skopeoPush,
  startReferenceRegistry,
} from '../support/registry.ts';
import {
  cannotRunTasks,
  isStopped,
  registerTask,
  runTask,
  startTaskNeargate,
  type TaskNeargate,
  waitForTask,
} from '../support/tasks.ts';

const skip = cannotRunTasks || noSkopeo || noReferenceRegistry;

describe('tasks run images pulled from registries', { skip }, () => {
  let ng: TaskNeargate;
  let dir: string;
  let creds: string;
  let plain: ReferenceRegistry;
  let guarded: ReferenceRegistry;
  const ecrHost = () => `000000000000.dkr.ecr.${ng.region}.amazonaws.com`;

  before(async () => {
    ng = await startTaskNeargate();
    dir = await mkdtemp(join(tmpdir(), 'neargate-pulls-'));
    creds = await registryCreds(ecrClient(ng));
    plain = await startReferenceRegistry();
    guarded = await startReferenceRegistry({ username: 'puller', password: 'pull-secret' });
  });
  after(async () => {
    await ng?.stop();
    await plain?.stop();
    await guarded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** An image whose container exits with `code`, read from a file of its own layer. */
  const exitImage = (code: number, marker = `${code}-${Math.random()}`) =>
    ociArchive(dir, {
      references: ['exit:1'],
      layers: [
        [
          { path: 'app/code', content: String(code) },
          { path: 'app/marker', content: marker },
        ],
      ],
      config: { Cmd: ['sh', '-c', 'exit $(cat /app/code)'] },
    });

  async function runToEnd(image: string, extra: Partial<ContainerDefinition> = {}): Promise<Task> {
    const td = await registerTask(ng.client, [{ name: 'app', image, essential: true, ...extra }]);
    const task = await runTask(ng.client, td);
    return waitForTask(ng.client, task.taskArn!, isStopped, 60_000);
  }

  test('a task runs an image pushed with skopeo by its ECR name, by tag and by digest, and reports the pull', async () => {
    await ecrClient(ng).send(new CreateRepositoryCommand({ repositoryName: 'apps/exit' }));
    await skopeoPush(await exitImage(42), `${registryHostOf(ng)}/apps/exit:v1`, creds);
    const [pushed] =
      (await ecrClient(ng).send(new DescribeImagesCommand({ repositoryName: 'apps/exit' }))).imageDetails ??
      [];
    const byTag = await runToEnd(`${ecrHost()}/apps/exit:v1`);
    assert.equal(byTag.containers?.[0]?.exitCode, 42, JSON.stringify(byTag));
    assert.equal(byTag.containers?.[0]?.imageDigest, pushed?.imageDigest);
    assert.ok(byTag.pullStartedAt && byTag.pullStoppedAt && byTag.pullStoppedAt >= byTag.pullStartedAt);

    // The tag moves: the next task runs the new image, as on AWS.
    await skopeoPush(await exitImage(43), `${registryHostOf(ng)}/apps/exit:v1`, creds);
    const moved = await runToEnd(`${ecrHost()}/apps/exit:v1`);
    assert.equal(moved.containers?.[0]?.exitCode, 43);

    const byDigest = await runToEnd(`${ecrHost()}/apps/exit@${pushed?.imageDigest}`);
    assert.equal(byDigest.containers?.[0]?.exitCode, 42);
  });

  test('a tag the registry does not have fails the task with CannotPullContainerError', async () => {
    const task = await runToEnd(`${ecrHost()}/apps/exit:missing`);
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.match(task.stoppedReason ?? '', /^CannotPullContainerError: .*not found/);
  });

  test('a corrupt blob fails the task with CannotPullContainerError and leaves nothing of the image', async () => {
    await ecrClient(ng).send(new CreateRepositoryCommand({ repositoryName: 'corrupt' }));
    await skopeoPush(await exitImage(5), `${registryHostOf(ng)}/corrupt:v1`, creds);
    const repoKey = { scope: { account: '000000000000', region: ng.region }, repository: 'corrupt' };
    const manifest = JSON.parse((await ng.registry.getManifest(repoKey, 'v1')).bytes.toString()) as {
      layers: { digest: `sha256:${string}`; size: number }[];
    };
    const own = manifest.layers.at(-1)!;
    await writeFile(ng.registry.blobs.path(own.digest), Buffer.alloc(own.size, 1));
    const task = await runToEnd(`${ecrHost()}/corrupt:v1`);
    assert.match(task.stoppedReason ?? '', /^CannotPullContainerError: .*digest/);
    const images = await ng.agent.images.list();
    assert.ok(!images.some((i) => i.references.some((r) => r.includes('/corrupt:'))));
    assert.ok(!(await ng.agent.images.blobs.has(own.digest)));
  });

  test('a missing blob fails the task with CannotPullContainerError', async () => {
    await ecrClient(ng).send(new CreateRepositoryCommand({ repositoryName: 'holed' }));
    await skopeoPush(await exitImage(6), `${registryHostOf(ng)}/holed:v1`, creds);
    const repoKey = { scope: { account: '000000000000', region: ng.region }, repository: 'holed' };
    const manifest = JSON.parse((await ng.registry.getManifest(repoKey, 'v1')).bytes.toString()) as {
      layers: { digest: `sha256:${string}`; size: number }[];
    };
    const own = manifest.layers.at(-1)!;
    await rm(ng.registry.blobs.path(own.digest));
    const task = await runToEnd(`${ecrHost()}/holed:v1`);
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.match(task.stoppedReason ?? '', /^CannotPullContainerError: /);
    assert.equal(task.containers?.[0]?.exitCode, undefined, 'it never ran');
    assert.ok(!(await ng.agent.images.list()).some((i) => i.references.some((r) => r.includes('/holed:'))));
  });

  test('other names are looked for in neargate first, as a mirror', async () => {
    await ecrClient(ng).send(new CreateRepositoryCommand({ repositoryName: 'docker.io/library/mirrored' }));
    await skopeoPush(await exitImage(11), `${registryHostOf(ng)}/docker.io/library/mirrored:1`, creds);
    const task = await runToEnd('mirrored:1');
    assert.equal(task.containers?.[0]?.exitCode, 11);
  });

  test('a loopback registry is pulled from over plain HTTP, and a half-unpacked layer left by a crash is not used', async () => {
    const archive = await exitImage(21);
    await skopeoPush(archive, `${plain.host}/team/app:1`);
    // A crash in the middle of an unpack leaves a `.partial` directory: it must be made again.
    const layersDir = join(ng.dataDir, 'agent', 'images', 'layers');
    const { diffIds } = await inspectLayers(plain.host, 'team/app:1');
    await mkdir(join(layersDir, `${diffIds.at(-1)!.slice(7)}.partial`, 'app'), { recursive: true });
    await writeFile(join(layersDir, `${diffIds.at(-1)!.slice(7)}.partial`, 'app', 'code'), '99');
    const task = await runToEnd(`${plain.host}/team/app:1`);
    assert.equal(task.containers?.[0]?.exitCode, 21, JSON.stringify(task));
    assert.ok(!(await readdir(layersDir)).some((n) => n.endsWith('.partial')));
  });

  test('a plain-HTTP registry off loopback is refused, and pulled from once configured insecure', {
    skip: externalIpv4 ? false : 'needs an IPv4 address off loopback (a default route)',
  }, async () => {
    const external = await startReferenceRegistry(undefined, externalIpv4);
    try {
      const image = `${external.host}/apps/plain:1`;
      await skopeoPush(await exitImage(7), image);
      const refused = await runToEnd(image);
      assert.equal(refused.stopCode, 'TaskFailedToStart');
      assert.match(refused.stoppedReason ?? '', /^CannotPullContainerError: /);
      const trusting = await startTaskNeargate({ insecureRegistries: [external.host] });
      try {
        const td = await registerTask(trusting.client, [{ name: 'app', image, essential: true }]);
        const task = await runTask(trusting.client, td);
        const end = await waitForTask(trusting.client, task.taskArn!, isStopped, 60_000);
        assert.equal(end.containers?.[0]?.exitCode, 7, JSON.stringify(end));
      } finally {
        await trusting.stop();
      }
    } finally {
      await external.stop();
    }
  });

  test('a registry behind htpasswd: refused without credentials, pulled with repositoryCredentials from Secrets Manager', async () => {
    await skopeoPush(await exitImage(31), `${guarded.host}/private/app:1`, 'puller:pull-secret');
    const refused = await runToEnd(`${guarded.host}/private/app:1`);
    assert.match(refused.stoppedReason ?? '', /^CannotPullContainerError: .*(401|credentials)/);

    const secrets = secretsClient(ng);
    const missing = await runToEnd(`${guarded.host}/private/app:1`, {
      repositoryCredentials: { credentialsParameter: 'registry/none' },
    });
    assert.match(
      missing.stoppedReason ?? '',
      /^ResourceInitializationError: unable to pull secrets or registry auth: .*registry\/none/,
    );
    const { ARN } = await secrets.send(
      new CreateSecretCommand({
        Name: 'registry/puller',
        SecretString: JSON.stringify({ username: 'puller', password: 'pull-secret' }),
      }),
    );
    const task = await runToEnd(`${guarded.host}/private/app:1`, {
      repositoryCredentials: { credentialsParameter: ARN! },
    });
    assert.equal(task.containers?.[0]?.exitCode, 31, JSON.stringify(task));
    assert.match(task.containers?.[0]?.imageDigest ?? '', /^sha256:/);
  });

  test('concurrent pulls of one image share it', async () => {
    await skopeoPush(await exitImage(41), `${plain.host}/team/shared:1`);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => ng.agent.pullImage(`${plain.host}/team/shared:1`)),
    );
    assert.equal(new Set(results.map((r) => r.imageDigest)).size, 1);
  });
});

/** The diffIDs of an image in a registry, read with skopeo. */
async function inspectLayers(host: string, ref: string): Promise<{ diffIds: string[] }> {
  const { run } = await import('../support/registry.ts');
  const config = JSON.parse(
    await run('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${host}/${ref}`]),
  ) as {
    rootfs: { diff_ids: string[] };
  };
  return { diffIds: config.rootfs.diff_ids };
}
