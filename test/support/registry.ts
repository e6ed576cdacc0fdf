import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { type ImageSpec, writeImageArchive } from '../fixtures/images.ts';
import type { TestNeargate } from './neargate.ts';

const execFileAsync = promisify(execFile);

/** Runs a program without blocking the event loop (in-process servers must keep answering). */
export async function run(
  file: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<string> {
  try {
    const opts = { maxBuffer: 64 * 1024 * 1024, ...(env && { env: { ...process.env, ...env } }) };
    return (await execFileAsync(file, args, opts)).stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** Why skopeo tests cannot run here, or false. */
export const noSkopeo: string | false = await run('skopeo', ['--version']).then(
  () => false,
  () => 'needs skopeo (npm test installs it)',
);

/** Why reference-registry tests cannot run here, or false. */
export const noReferenceRegistry: string | false = await run('docker-registry', ['--version']).then(
  () => false,
  () => "needs Debian's docker-registry (npm test installs it)",
);

/** Why podman tests cannot run here, or false. */
export const noPodman: string | false = await run('podman', ['--version']).then(
  () => false,
  () => 'needs podman (npm test installs it)',
);

/**
 * The IPv4 address of the interface with the default route: off loopback, so a registry there is
 * not trusted with plain HTTP, and not a bridge some test server makes and removes meanwhile.
 */
export const externalIpv4: string | undefined = (() => {
  try {
    const routes = JSON.parse(
      execFileSync('ip', ['-j', 'route', 'show', 'default'], { encoding: 'utf8' }),
    ) as {
      dev?: string;
    }[];
    const dev = routes[0]?.dev;
    return networkInterfaces()[dev ?? '']?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  } catch {
    return undefined;
  }
})();

/** Why docker tests cannot run here: they need an engine that answers `docker info`. */
export const noDocker: string | false = await run('docker', ['info']).then(
  () => false,
  () => 'needs a Docker engine that answers `docker info`',
);

export function ecrClient(ng: TestNeargate, region = ng.region): ECRClient {
  return new ECRClient({
    endpoint: ng.url,
    region,
    credentials: { accessKeyId: ng.accessKeyId, secretAccessKey: ng.secretAccessKey },
    maxAttempts: 1,
  });
}

/** `AWS:<password>` from GetAuthorizationToken, as skopeo's `--creds` takes it. */
export async function registryCreds(ecr: ECRClient): Promise<string> {
  const out = await ecr.send(new GetAuthorizationTokenCommand({}));
  return Buffer.from(out.authorizationData![0]!.authorizationToken!, 'base64').toString('utf8');
}

/** `127.0.0.1:<port>`: the registry's host as skopeo and docker name it. */
export const registryHostOf = (ng: { url: string }) => new URL(ng.url).host;

/** An OCI archive of busybox fixture images, for `skopeo copy oci-archive:<file>`. */
export async function ociArchive(dir: string, spec: ImageSpec): Promise<string> {
  const file = join(dir, `image-${Math.random().toString(36).slice(2)}.tar`);
  await writeImageArchive(file, [spec], { format: 'oci' });
  return file;
}

/** Pushes an OCI archive into a registry with skopeo. */
export async function skopeoPush(archive: string, dest: string, creds?: string): Promise<void> {
  await run('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', creds] : []),
    `oci-archive:${archive}`,
    `docker://${dest}`,
  ]);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

export interface ReferenceRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  /** Where it keeps blobs: `<storage>/docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data`. */
  storage: string;
  stop(): Promise<void>;
}

/**
 * Debian's reference registry (`docker-registry`) on a free port of `address` (loopback by
 * default) with its own storage, with htpasswd auth when `auth` is given. Stopped and removed by
 * `stop()`.
 */
export async function startReferenceRegistry(
  auth?: { username: string; password: string },
  address = '127.0.0.1',
): Promise<ReferenceRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-refreg-'));
  const port = await freePort();
  const storage = join(dir, 'storage');
  let authConfig = '';
  if (auth) {
    // The reference registry reads bcrypt only; Python's crypt makes it with the system's libcrypt.
    const hash = (
      await run('python3', [
        '-W',
        'ignore',
        '-c',
        'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))',
        auth.password,
      ])
    ).trim();
    await writeFile(join(dir, 'htpasswd'), `${auth.username}:${hash}\n`);
    authConfig = `auth:\n  htpasswd:\n    realm: neargate-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: ${address}:${port}\n${authConfig}`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `${address}:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const up = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (up) break;
    if (i > 200 || child.exitCode !== null) {
      await stop();
      throw new Error('docker-registry did not start');
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { host, storage, stop };
}
