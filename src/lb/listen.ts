import type { Server } from 'node:net';

/**
 * Binds one server per address on `port` (a load balancer listens on its loopback address and on
 * the address tasks reach it at). All or nothing: if one bind fails, the others are closed.
 */
export async function listenAll(
  makeServer: () => Server,
  addresses: readonly string[],
  port: number,
): Promise<Server[]> {
  const servers: Server[] = [];
  try {
    for (const host of addresses) {
      const server = makeServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, backlog: 1024 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    return servers;
  } catch (error) {
    for (const s of servers) s.close();
    throw error;
  }
}
