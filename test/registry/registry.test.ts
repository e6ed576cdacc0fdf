import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateRepositoryCommand, DeleteRepositoryCommand, DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { hostArchitecture, writeImageArchive } from '../fixtures/images.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';
import {
  ecrClient,
  noDocker,
  noPodman,
  noSkopeo,
  ociArchive,
  registryCreds,
  registryHostOf,
  run,
  skopeoPush,
} from '../support/registry.ts';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

describe('the registry under /v2/, with real clients', { skip: noSkopeo }, () => {
  let ng: TestNeargate;
  let dir: string;
  let creds: string;
  let auth: string;
  let base: string;
  const ecr = () => ecrClient(ng);

  before(async () => {
    ng = await startTestNeargate();
    dir = await mkdtemp(join(tmpdir(), 'neargate-registry-'));
    creds = await registryCreds(ecr());
    auth = `Basic ${Buffer.from(creds).toString('base64')}`;
    base = `${ng.url}/v2`;
  });
  after(async () => {
    await ng?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: auth, ...(init.headers ?? {}) } });

  /** Pushes a blob in one request and returns its digest. */
  async function pushBlob(repo: string, bytes: Buffer): Promise<string> {
    const digest = sha(bytes);
    const res = await api(`/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes });
    assert.equal(res.status, 201, await res.text());
    return digest;
  }

  async function pushManifest(repo: string, ref: string, body: object, type: string) {
    const bytes = Buffer.from(JSON.stringify(body));
    const res = await api(`/${repo}/manifests/${ref}`, {
      method: 'PUT',
      body: bytes,
      headers: { 'content-type': type },
    });
    assert.equal(res.status, 201, await res.text());
    assert.equal(res.headers.get('docker-content-digest'), sha(bytes));
    return { digest: sha(bytes), size: bytes.length };
  }

  test('skopeo pushes an image into a repository made with ECR and copies it back byte for byte', async () => {
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'team/web' }));
    const archive = await ociArchive(dir, { references: ['web:1'], config: { Cmd: ['echo', 'hi'] } });
    const host = registryHostOf(ng);
    await skopeoPush(archive, `${host}/team/web:1`, creds);
    const raw = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      creds,
      `docker://${host}/team/web:1`,
    ]);
    const described = await ecr().send(new DescribeImagesCommand({ repositoryName: 'team/web' }));
    assert.equal(described.imageDetails?.[0]?.imageDigest, sha(raw));
    assert.deepEqual(described.imageDetails?.[0]?.imageTags, ['1']);
    const out = join(dir, 'copied');
    await run('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--src-creds',
      creds,
      `docker://${host}/team/web:1`,
      `dir:${out}`,
    ]);
    const manifest = JSON.parse(raw) as { config: { digest: string }; layers: { digest: string }[] };
    const config = JSON.parse(await readFile(join(out, manifest.config.digest.slice(7)), 'utf8'));
    assert.deepEqual(config.config.Cmd, ['echo', 'hi']);
    for (const l of manifest.layers)
      assert.equal(sha(await readFile(join(out, l.digest.slice(7)))), l.digest);
  });

  test('a push to a repository that was never created is refused, as ECR refuses it', async () => {
    const archive = await ociArchive(dir, { references: ['x:1'] });
    await assert.rejects(
      skopeoPush(archive, `${registryHostOf(ng)}/never-made:1`, creds),
      /name unknown|NAME_UNKNOWN|does not exist/i,
    );
  });

  test('without credentials, or with a forged password, the registry answers 401 with a Basic challenge', async () => {
    const anonymous = await fetch(`${base}/`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    const [user, password] = [creds.slice(0, 3), creds.slice(4)];
    const forged = `${password.split('.')[0]}.${'A'.repeat(43)}`;
    const bad = await fetch(`${base}/`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${forged}`).toString('base64')}` },
    });
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { errors: { code: string }[] }).errors[0]?.code, 'UNAUTHORIZED');
    const ok = await api('/');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  test('chunked uploads, Range reads, mounts, tag pages, the catalog, content negotiation and DELETE', async () => {
    for (const name of ['chunks', 'chunks-mounted']) {
      await ecr().send(new CreateRepositoryCommand({ repositoryName: name }));
    }
    const layer = Buffer.from('0123456789abcdefghij');
    const start = await api('/chunks/blobs/uploads/', { method: 'POST' });
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    const patch = (body: Buffer, from: number) =>
      fetch(new URL(location, ng.url), {
        method: 'PATCH',
        body,
        headers: { authorization: auth, 'content-range': `${from}-${from + body.length - 1}` },
      });
    const first = await patch(layer.subarray(0, 8), 0);
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-7');
    assert.equal(
      (await patch(layer.subarray(8), 3)).status,
      416,
      'a chunk that does not follow on is refused',
    );
    assert.equal((await patch(layer.subarray(8, 15), 8)).status, 202);
    const wrong = await fetch(new URL(`${location}?digest=${sha('nope')}`, ng.url), {
      method: 'PUT',
      headers: { authorization: auth },
    });
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { errors: { code: string }[] }).errors[0]?.code, 'DIGEST_INVALID');
    const done = await fetch(new URL(`${location}?digest=${sha(layer)}`, ng.url), {
      method: 'PUT',
      body: layer.subarray(15),
      headers: { authorization: auth },
    });
    assert.equal(done.status, 201, await done.text());
    const head = await api(`/chunks/blobs/${sha(layer)}`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), '20');
    const ranged = await api(`/chunks/blobs/${sha(layer)}`, { headers: { range: 'bytes=5-9' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), 'bytes 5-9/20');
    assert.equal(await ranged.text(), '56789');
    assert.equal((await api(`/chunks/blobs/${sha(layer)}`, { headers: { range: 'bytes=30-' } })).status, 416);

    assert.equal((await api(`/chunks-mounted/blobs/${sha(layer)}`, { method: 'HEAD' })).status, 404);
    const mounted = await api(`/chunks-mounted/blobs/uploads/?mount=${sha(layer)}&from=chunks`, {
      method: 'POST',
    });
    assert.equal(mounted.status, 201);
    assert.equal((await api(`/chunks-mounted/blobs/${sha(layer)}`, { method: 'HEAD' })).status, 200);

    const config = Buffer.from(
      JSON.stringify({
        architecture: hostArchitecture(),
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [sha(layer)] },
      }),
    );
    const configDigest = await pushBlob('chunks', config);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length },
      ],
    };
    const image = await pushManifest('chunks', 'v1', manifest, OCI_MANIFEST);
    for (const tag of ['v2', 'v3', 'v4', 'v5']) await pushManifest('chunks', tag, manifest, OCI_MANIFEST);
    const missing = await api('/chunks-mounted/manifests/x', {
      method: 'PUT',
      body: JSON.stringify(manifest),
      headers: { 'content-type': OCI_MANIFEST },
    });
    assert.equal(
      ((await missing.json()) as { errors: { code: string }[] }).errors[0]?.code,
      'MANIFEST_BLOB_UNKNOWN',
    );

    const page1 = await api('/chunks/tags/list?n=2');
    assert.deepEqual(await page1.json(), { name: 'chunks', tags: ['v1', 'v2'] });
    const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get('link') ?? '')?.[1];
    assert.ok(next);
    assert.deepEqual(
      (
        (await (await fetch(new URL(next, ng.url), { headers: { authorization: auth } })).json()) as {
          tags: string[];
        }
      ).tags,
      ['v3', 'v4'],
    );
    const catalog = await api('/_catalog?n=1');
    assert.deepEqual(await catalog.json(), { repositories: ['chunks'] });
    assert.match(catalog.headers.get('link') ?? '', /last=chunks/);

    const index = await pushManifest(
      'chunks',
      'multi',
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: image.digest,
            size: image.size,
            platform: { os: 'linux', architecture: hostArchitecture() },
          },
        ],
      },
      OCI_INDEX,
    );
    const asIndex = await api('/chunks/manifests/multi', {
      headers: { accept: `${OCI_INDEX}, ${OCI_MANIFEST}` },
    });
    assert.equal(asIndex.headers.get('content-type'), OCI_INDEX);
    assert.equal(asIndex.headers.get('docker-content-digest'), index.digest);
    const noIndex = await api('/chunks/manifests/multi', { headers: { accept: OCI_MANIFEST } });
    assert.equal(
      noIndex.headers.get('docker-content-digest'),
      image.digest,
      "a client that takes no index gets this platform's manifest",
    );
    assert.equal(
      (await api('/chunks/manifests/multi', { headers: { accept: DOCKER_MANIFEST } })).status,
      404,
    );

    assert.equal(
      (await api(`/chunks/manifests/${image.digest}`, { method: 'DELETE' })).status,
      403,
      'an index still lists it',
    );
    assert.equal((await api('/chunks/manifests/multi', { method: 'DELETE' })).status, 202);
    assert.equal((await api(`/chunks/manifests/${image.digest}`, { method: 'DELETE' })).status, 202);
    assert.equal((await api('/chunks/manifests/v1')).status, 404);
    assert.deepEqual(((await (await api('/chunks/tags/list')).json()) as { tags: string[] }).tags, []);

    await ecr().send(new DeleteRepositoryCommand({ repositoryName: 'chunks', force: true }));
    await ecr().send(new DeleteRepositoryCommand({ repositoryName: 'chunks-mounted', force: true }));
    await ng.registry.settled();
    await ng.registry.collectGarbage();
    assert.equal(
      await ng.registry.blobs.size(sha(layer) as `sha256:${string}`),
      undefined,
      'a blob no repository holds is collected',
    );
  });

  test('with the Bearer challenge, skopeo gets a token from /v2/token and pushes with it', async () => {
    const bearer = await startTestNeargate({ registryAuth: 'bearer' });
    try {
      const client = ecrClient(bearer);
      await client.send(new CreateRepositoryCommand({ repositoryName: 'tokens' }));
      const c = await registryCreds(client);
      const challenge = await fetch(`${bearer.url}/v2/`);
      assert.match(
        challenge.headers.get('www-authenticate') ?? '',
        /^Bearer realm="http:\/\/[^"]+\/v2\/token"/,
      );
      await skopeoPush(
        await ociArchive(dir, { references: ['t:1'] }),
        `${registryHostOf(bearer)}/tokens:1`,
        c,
      );
      const out = await client.send(new DescribeImagesCommand({ repositoryName: 'tokens' }));
      assert.deepEqual(
        out.imageDetails?.map((i) => i.imageTags),
        [['1']],
      );
    } finally {
      await bearer.stop();
    }
  });

  test('podman logs in with the ECR password, pushes and pulls the image back', {
    skip: noPodman,
  }, async () => {
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'podman-peer' }));
    const host = registryHostOf(ng);
    // Its own storage, so the test touches nothing of the machine's podman.
    const storage = join(dir, 'podman');
    const podman = (...args: string[]) =>
      run('podman', [
        '--root',
        join(storage, 'root'),
        '--runroot',
        join(storage, 'run'),
        '--storage-driver',
        'vfs',
        ...args,
      ]);
    await mkdir(storage, { recursive: true });
    await writeFile(join(storage, 'auth.json'), '{"auths":{}}');
    const authfile = ['--authfile', join(storage, 'auth.json')];
    const archive = join(dir, 'podman.tar');
    const name = `${host}/podman-peer:${process.pid}`;
    await writeImageArchive(archive, [{ references: [name], config: { Cmd: ['echo', 'podman'] } }], {
      format: 'docker',
    });
    await podman('load', '-q', '-i', archive);
    const refused = await podman('push', '--tls-verify=false', ...authfile, name).then(
      () => 'pushed',
      (e: Error) => e.message,
    );
    assert.match(refused, /unauthorized|authentication required/i, 'no push before logging in');
    await podman('login', '--tls-verify=false', ...authfile, '-u', 'AWS', '-p', creds.slice(4), host);
    await podman('push', '--tls-verify=false', ...authfile, name);
    const described = await ecr().send(new DescribeImagesCommand({ repositoryName: 'podman-peer' }));
    assert.deepEqual(described.imageDetails?.[0]?.imageTags, [String(process.pid)]);
    const pushed = described.imageDetails![0]!.imageDigest!;
    await podman('rmi', name);
    await podman('pull', '-q', '--tls-verify=false', ...authfile, name);
    const digest = (await podman('image', 'inspect', '--format', '{{.Digest}}', name)).trim();
    assert.equal(digest, pushed, 'podman pulled the manifest it pushed');
    const config = JSON.parse(await podman('image', 'inspect', name)) as { Config: { Cmd: string[] } }[];
    assert.deepEqual(config[0]?.Config.Cmd, ['echo', 'podman']);
  });

  test('docker logs in with the ECR password, pushes and pulls', { skip: noDocker }, async () => {
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'docker-peer' }));
    const host = registryHostOf(ng);
    const env = { DOCKER_CONFIG: join(dir, 'docker-config') };
    const archive = join(dir, 'docker.tar');
    const name = `${host}/docker-peer:${process.pid}`;
    await writeImageArchive(archive, [{ references: [name], config: { Cmd: ['true'] } }], {
      format: 'docker',
    });
    await run('docker', ['load', '-i', archive], env);
    try {
      await run('docker', ['login', '-u', 'AWS', '-p', creds.slice(4), host], env);
      await run('docker', ['push', name], env);
      const described = await ecr().send(new DescribeImagesCommand({ repositoryName: 'docker-peer' }));
      assert.deepEqual(described.imageDetails?.[0]?.imageTags, [String(process.pid)]);
      await run('docker', ['rmi', name], env);
      await run('docker', ['pull', name], env);
    } finally {
      await run('docker', ['rmi', '-f', name], env).catch(() => {});
    }
  });
});
