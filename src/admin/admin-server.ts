import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ImageStore } from '../agent/images/image-store.ts';
import type { SpotInterrupter } from '../control/spot-interrupter.ts';

export interface AdminServerOptions {
  /** The unix socket to listen on; only who can reach it (root, by the data dir's mode) can use it. */
  socketPath: string;
  images: ImageStore;
  spot: SpotInterrupter;
  log: Logger;
  tmpDir: string;
}

/**
 * neargate's own administration channel, on a unix socket in the data dir: what `bin/neargate`
 * commands ask of a running server, so only one process ever changes the image store.
 */
async function readBody(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text || '{}';
}

export async function startAdminServer(o: AdminServerOptions) {
  const app = Fastify({
    loggerInstance: o.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  app.post('/images/load', async (req, reply) => {
    const dir = await mkdtemp(join(o.tmpDir, 'load-'));
    const file = join(dir, 'archive');
    try {
      await pipeline(req.raw, createWriteStream(file));
      return { references: await o.images.load(file) };
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  app.get('/images', async () => ({ images: await o.images.list() }));
  app.delete<{ Querystring: { ref: string } }>('/images', async (req, reply) => {
    try {
      return await o.images.remove(req.query.ref);
    } catch (err) {
      return reply.code(404).send({ error: (err as Error).message });
    }
  });

  app.post('/spot/interrupt', async (req, reply) => {
    const body = JSON.parse(await readBody(req.raw)) as {
      tasks?: string[];
      count?: number;
      ratePerHour?: number;
    };
    try {
      if (body.ratePerHour !== undefined) o.spot.setRate(body.ratePerHour);
      const interrupted =
        body.tasks?.length || body.count
          ? await o.spot.interrupt(body.tasks?.length ? { tasks: body.tasks } : { count: body.count! })
          : [];
      return { interrupted, ratePerHour: o.spot.ratePerHour };
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
  });

  await unlink(o.socketPath).catch(() => {});
  await app.listen({ path: o.socketPath });
  return { close: () => app.close() };
}
