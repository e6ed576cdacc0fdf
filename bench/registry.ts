/**
 * Push and pull a 200 MB image (4 layers of random, so incompressible, bytes, gzipped as
 * registries ship them) through neargate's registry and through Debian's reference registry
 * (`docker-registry`), with skopeo for both, in the same run; then neargate's own pull of it
 * into the image store (download, digest checks, unpack) from each registry.
 *
 *   node --import tsx bench/registry.ts [--runs 3] [--mib 200]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { writeImageArchive } from '../test/fixtures/images.ts';
import { startTestNeargate } from '../test/support/neargate.ts';
import {
  ecrClient,
  registryCreds,
  registryHostOf,
  run,
  startReferenceRegistry,
} from '../test/support/registry.ts';
import { markdownTable, percentile, record } from './results.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const runs = arg('runs', 3);
const mib = arg('mib', 200);

const dir = await mkdtemp(join(tmpdir(), 'neargate-bench-registry-'));
const ng = await startTestNeargate();
const reference = await startReferenceRegistry();
try {
  const archive = join(dir, 'big.tar');
  const perLayer = Math.ceil((mib * 2 ** 20) / 4);
  await writeImageArchive(
    archive,
    [
      {
        references: ['big:1'],
        layers: Array.from({ length: 4 }, (_, i) => [
          { path: `data/${i}.bin`, content: randomBytes(perLayer) },
        ]),
        config: { Cmd: ['true'] },
      },
    ],
    { format: 'oci', gzipLayers: true },
  );
  const ecr = ecrClient(ng);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bench' }));
  const creds = await registryCreds(ecr);
  const ngHost = registryHostOf(ng);
  const account = '000000000000';
  const timings = new Map<string, number[]>();
  const time = async (row: string, fn: () => Promise<unknown>) => {
    const began = performance.now();
    await fn();
    const took = performance.now() - began;
    timings.set(row, [...(timings.get(row) ?? []), took]);
  };
  const skopeo = (args: string[]) => run('skopeo', ['copy', '--quiet', ...args]);
  for (let i = 0; i < runs; i++) {
    // A new tag each run: the blobs are there from the first run on, as after any first push.
    await time('push, first time (blobs uploaded)', () =>
      i === 0
        ? skopeo([
            '--dest-tls-verify=false',
            '--dest-creds',
            creds,
            `oci-archive:${archive}`,
            `docker://${ngHost}/bench:r${i}`,
          ])
        : Promise.resolve(),
    );
    await time('push, first time (blobs uploaded) ref', () =>
      i === 0
        ? skopeo([
            '--dest-tls-verify=false',
            `oci-archive:${archive}`,
            `docker://${reference.host}/bench:r${i}`,
          ])
        : Promise.resolve(),
    );
    await rm(join(dir, 'out'), { recursive: true, force: true });
    await time('pull with skopeo (to a dir)', () =>
      skopeo([
        '--src-tls-verify=false',
        '--src-creds',
        creds,
        `docker://${ngHost}/bench:r0`,
        `dir:${join(dir, 'out')}`,
      ]),
    );
    await rm(join(dir, 'out'), { recursive: true, force: true });
    await time('pull with skopeo (to a dir) ref', () =>
      skopeo(['--src-tls-verify=false', `docker://${reference.host}/bench:r0`, `dir:${join(dir, 'out')}`]),
    );
    await rm(join(dir, 'out'), { recursive: true, force: true });
    const ecrName = `${account}.dkr.ecr.${ng.region}.amazonaws.com/bench:r0`;
    await time("neargate's pull into its image store (check, unpack)", () => ng.agent.pullImage(ecrName));
    await ng.agent.images.remove(ecrName);
    await time("neargate's pull into its image store (check, unpack) ref", () =>
      ng.agent.pullImage(`${reference.host}/bench:r0`),
    );
    await ng.agent.images.remove(`${reference.host}/bench:r0`);
  }
  const median = (row: string) => {
    const v = (timings.get(row) ?? []).filter((t) => t > 1);
    return v.length
      ? `${(percentile(v, 50) / 1000).toFixed(2)} s (${((mib / percentile(v, 50)) * 1000).toFixed(0)} MiB/s)`
      : '-';
  };
  const rows = [
    'push, first time (blobs uploaded)',
    'pull with skopeo (to a dir)',
    "neargate's pull into its image store (check, unpack)",
  ].map((row) => [row, median(row), median(`${row} ref`)]);
  await record(
    'Registry: push and pull a 200 MB image',
    `node --import tsx bench/registry.ts --runs ${runs} --mib ${mib}`,
    `A ${mib} MiB image of 4 gzipped layers of random bytes; both registries on loopback, plain HTTP, in the same run. Pushes once (each registry then has the blobs), pulls: median of ${runs}.\n\n${markdownTable(
      ['step', 'neargate (127.0.0.1:4566/v2/)', 'reference registry (docker-registry 2.8)'],
      rows,
    )}\n\nThe image-store rows include what a task start waits for: the manifest and config, every layer blob checked against its digest, and each layer unpacked once into overlayfs form. From neargate's own registry the layer blobs are hard-linked, not copied.`,
  );
} finally {
  await reference.stop();
  await ng.stop();
  await rm(dir, { recursive: true, force: true });
}
