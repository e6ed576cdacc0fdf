import type { Logger } from 'pino';
import { LbDnsServer, TASK_DNS_ADDRESS, TASK_DNS_PORT } from './lb-dns-server.ts';

/** What the host's agent offers servers that tasks reach (LocalAgent has both). */
export interface TaskHostServices {
  ensureHostAddress(ipv4: string): Promise<void>;
  exposeHostService(service: {
    address: string;
    port: number;
    protocol: 'tcp' | 'udp';
    listenPort: number;
  }): Promise<void>;
}

export interface TaskDnsOptions {
  readonly host: TaskHostServices;
  /** The load balancer names it answers itself (LocalLbDataPlane.lookupForTasks). */
  readonly lookup: (name: string) => readonly string[] | undefined;
  /** @default the nameservers of /etc/resolv.conf */
  readonly upstreams?: readonly string[] | undefined;
  readonly log: Logger;
}

/**
 * Starts the DNS server tasks use, at 169.254.169.253:53 over UDP and TCP as on Fargate: it
 * listens on a port of its own at that address, and the host sends tasks' port 53 there. It
 * answers the host's load balancer names and forwards other names to the host's resolvers,
 * which it reaches from the host even when they listen on loopback (127.0.0.53).
 */
export async function startTaskDns(o: TaskDnsOptions): Promise<LbDnsServer> {
  await o.host.ensureHostAddress(TASK_DNS_ADDRESS);
  let dns: LbDnsServer | undefined;
  // Port 0 picks a free UDP port; the same TCP port may be taken, then another is tried.
  for (let attempt = 0; dns === undefined; attempt++) {
    try {
      dns = await LbDnsServer.start({
        address: TASK_DNS_ADDRESS,
        port: 0,
        lookup: o.lookup,
        ...(o.upstreams && { upstreams: o.upstreams }),
        log: o.log,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 4) throw err;
    }
  }
  try {
    for (const protocol of ['udp', 'tcp'] as const) {
      await o.host.exposeHostService({
        address: TASK_DNS_ADDRESS,
        port: TASK_DNS_PORT,
        protocol,
        listenPort: dns.port,
      });
    }
  } catch (err) {
    await dns.close();
    throw err;
  }
  return dns;
}
