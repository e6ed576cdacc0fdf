import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Image } from '../agent/images/image-record.ts';
import { ImageStore } from '../agent/images/image-store.ts';
import { resolveConfig } from '../config.ts';
import { callAdmin } from './admin-client.ts';

/**
 * `neargate image load|ls|rm`: through the running server when there is one (so one process
 * owns the image store), else on the data dir directly.
 */
export function imageCommands(program: Command): void {
  const image = program
    .command('image')
    .description('manage the images tasks run (docker save and OCI archives)');
  const dataDirOption = [
    '--data-dir <dir>',
    'the data dir of the neargate to act on (env NEARGATE_DATA_DIR)',
  ] as const;

  image
    .command('load')
    .description(
      'load a `docker save` archive or an OCI image-layout archive (tar or tar.gz); prints the references loaded',
    )
    .argument('<file>', 'the archive')
    .option(...dataDirOption)
    .action(async (file: string, flags: { dataDir?: string }) => {
      const dataDir = dataDirOf(flags);
      await access(file).catch(() => {
        throw new Error(`cannot read ${file}`);
      });
      const viaServer = await callAdmin(dataDir, 'POST', '/images/load', createReadStream(file));
      const refs = viaServer
        ? (check(viaServer) as { references: string[] }).references
        : await store(dataDir).load(file);
      for (const r of refs) process.stdout.write(`Loaded image: ${r}\n`);
    });

  image
    .command('ls')
    .description('list images: reference, image id, digest')
    .option(...dataDirOption)
    .action(async (flags: { dataDir?: string }) => {
      const dataDir = dataDirOf(flags);
      const viaServer = await callAdmin(dataDir, 'GET', '/images');
      const images = viaServer
        ? (check(viaServer) as { images: Image[] }).images
        : await store(dataDir).list();
      const rows = [['REFERENCE', 'IMAGE ID', 'DIGEST']];
      for (const img of images) {
        const id = img.configDigest.slice('sha256:'.length, 'sha256:'.length + 12);
        for (const ref of img.references.length ? img.references : ['<none>'])
          rows.push([ref, id, img.manifestDigest]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows)
        process.stdout.write(
          `${r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('   ')
            .trimEnd()}\n`,
        );
    });

  image
    .command('rm')
    .description('remove image references; layers no image or running container uses are deleted')
    .argument('<refs...>', 'references, digests or image ids')
    .option(...dataDirOption)
    .action(async (refs: string[], flags: { dataDir?: string }) => {
      const dataDir = dataDirOf(flags);
      let failed = false;
      for (const ref of refs) {
        try {
          const viaServer = await callAdmin(dataDir, 'DELETE', `/images?ref=${encodeURIComponent(ref)}`);
          const out = viaServer
            ? (check(viaServer) as { untagged: string[] })
            : await store(dataDir).remove(ref);
          for (const u of out.untagged) process.stdout.write(`Untagged: ${u}\n`);
        } catch (err) {
          process.stderr.write(`neargate: ${(err as Error).message}\n`);
          failed = true;
        }
      }
      if (failed) process.exitCode = 1;
    });
}

function dataDirOf(flags: { dataDir?: string }): string {
  return resolveConfig({ dataDir: flags.dataDir }).dataDir;
}

const store = (dataDir: string) => new ImageStore({ root: join(dataDir, 'agent', 'images') });

function check(res: { status: number; body: unknown }): unknown {
  if (res.status !== 200)
    throw new Error((res.body as { error?: string })?.error ?? `the server answered ${res.status}`);
  return res.body;
}
