import Fastify, { type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { protocolError } from '../core/protocol-errors.ts';
import type { ApiGateway } from './gateway.ts';
import type { HttpRequest } from './protocol/http.ts';

export interface ServerOptions {
  gateway: ApiGateway;
  log: Logger;
  bodyLimitBytes: number;
}

/** The HTTP edge: hands every request, body unparsed, to the gateway. */
export function createHttpServer(opts: ServerOptions) {
  const app = Fastify({
    loggerInstance: opts.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes,
    // AWS clients sign the path as they send it; keep it exactly.
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const toRequest = (req: FastifyRequest): HttpRequest => {
    const url = req.raw.url ?? '/';
    const q = url.indexOf('?');
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    return {
      method: req.raw.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      rawQuery,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      remoteAddress: req.ip,
    };
  };

  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'],
    url: '/*',
    handler: async (req, reply) => {
      const res = await opts.gateway.handle(toRequest(req));
      return reply
        .code(res.status)
        .headers(res.headers)
        .send(typeof res.body === 'string' ? Buffer.from(res.body) : res.body);
    },
  });

  app.setErrorHandler(async (err: { code?: string; statusCode?: number }, req, reply) => {
    const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    if (!tooLarge) opts.log.error({ err }, 'request failed before reaching the gateway');
    const res = opts.gateway.errorResponse(
      toRequest(req),
      tooLarge
        ? protocolError(
            'RequestEntityTooLargeException',
            `Request body is larger than ${opts.bodyLimitBytes} bytes`,
          )
        : protocolError('SerializationException', 'Unable to read the request'),
    );
    return reply.code(res.status).headers(res.headers).send(res.body);
  });
  return app;
}
