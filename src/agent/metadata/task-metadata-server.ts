import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerMetadataRequest, type MetadataDeps } from './metadata-routes.ts';

/** Where tasks find the metadata and credentials endpoints, as on ECS. */
export const TASK_METADATA_ADDRESS = '169.254.170.2';
/** The port tasks use; the server itself listens on a port of its own (see TaskNetwork.exposeHostService). */
export const TASK_METADATA_PORT = 80;

/** The task metadata endpoint's HTTP server, listening on `address` at a free port. */
export class TaskMetadataServer {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(deps: MetadataDeps, address: string): Promise<TaskMetadataServer> {
    const server = createServer((req, res) => {
      void answerMetadataRequest(
        { method: req.method ?? 'GET', url: req.url ?? '/', remoteAddress: req.socket.remoteAddress ?? '' },
        deps,
      ).then((answer) => {
        res.writeHead(answer.status, {
          'content-type': answer.contentType,
          'content-length': Buffer.byteLength(answer.body),
        });
        res.end(req.method === 'HEAD' ? undefined : answer.body);
      });
    });
    // Idle keep-alive connections of tasks must not hold close() up.
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new TaskMetadataServer(server);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
