import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Logger } from 'pino';

/** Where tasks find their DNS server, as on Fargate (the Amazon-provided DNS of a VPC). */
export const TASK_DNS_ADDRESS = '169.254.169.253';
/** The port tasks send their questions to. */
export const TASK_DNS_PORT = 53;

export interface LbDnsServerOptions {
  /** Any address and port: tasks will reach it at 169.254.169.253:53 through a DNAT. */
  readonly address: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /**
   * The addresses of a name this server answers itself (lowercase, without the final dot), or
   * undefined to forward the question.
   */
  readonly lookup: (name: string) => readonly string[] | undefined;
  /** `ip` or `ip:port`. @default the nameservers of /etc/resolv.conf */
  readonly upstreams?: readonly string[];
  /** @default 60, as ELB's records */
  readonly ttlSeconds?: number;
  /** How long one upstream gets before the next is asked. @default 2_000 */
  readonly upstreamTimeoutMs?: number;
  readonly log: Logger;
}

// dns-packet's flag bits.
const QR = 1 << 15;
const AA = 1 << 10;
const RD = 1 << 8;
const RA = 1 << 7;
const SERVFAIL = 2;
const FORMERR = 1;

/**
 * The resolver tasks use for load balancer names: a DNS server over UDP and TCP that answers the
 * names of this host's load balancers itself (A records; no AAAA, so clients fall back to IPv4)
 * and forwards every other question, as it came, to the host's resolvers.
 */
export class LbDnsServer {
  readonly #options: LbDnsServerOptions;
  readonly #upstreams: readonly { host: string; port: number }[];
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;
  readonly #tcpClients = new Set<Socket>();

  private constructor(options: LbDnsServerOptions) {
    this.#options = options;
    this.#upstreams = (options.upstreams ?? resolvConfNameservers()).map(parseHostPort);
  }

  static async start(options: LbDnsServerOptions): Promise<LbDnsServer> {
    const server = new LbDnsServer(options);
    try {
      await server.#listen();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  /** The port bound (useful when 0 was asked). */
  get port(): number {
    return this.#udp!.address().port;
  }

  async close(): Promise<void> {
    for (const c of this.#tcpClients) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => {
        try {
          this.#udp ? this.#udp.close(() => resolve()) : resolve();
        } catch {
          resolve(); // never bound, or closed already
        }
      }),
      new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve())),
    ]);
  }

  async #listen(): Promise<void> {
    const { address } = this.#options;
    const udp = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    this.#udp = udp;
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.#options.port, address, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('message', (message, from) => {
      void this.#answer(message, 'udp').then((reply) => {
        if (reply !== undefined) udp.send(reply, from.port, from.address);
      });
    });
    udp.on('error', (err) => this.#options.log.warn({ err }, 'DNS server UDP error'));
    // TCP on the same port as UDP, as resolvers retry truncated answers there.
    const tcp = createServer((socket) => this.#tcpClient(socket));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: address, port: udp.address().port }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    this.#tcp = tcp;
  }

  #tcpClient(socket: Socket): void {
    this.#tcpClients.add(socket);
    socket.setTimeout(10_000, () => socket.destroy());
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const length = buf.readUInt16BE(0);
        if (buf.length < 2 + length) break;
        const message = buf.subarray(2, 2 + length);
        buf = buf.subarray(2 + length);
        void this.#answer(message, 'tcp').then((reply) => {
          if (reply !== undefined && !socket.destroyed) socket.write(withLength(reply));
        });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#tcpClients.delete(socket));
  }

  /** The reply to one message: answered here, forwarded, or an error; undefined to drop it. */
  async #answer(message: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      if (message.length < 12) return undefined;
      return errorReply(message, FORMERR);
    }
    if (query.type !== 'query') return undefined;
    const question = query.questions?.[0];
    const name = question?.name.toLowerCase().replace(/\.$/, '');
    const addresses =
      name === undefined || query.questions!.length !== 1 ? undefined : this.#options.lookup(name);
    if (addresses !== undefined && question !== undefined) {
      const ttl = this.#options.ttlSeconds ?? 60;
      const answers =
        question.type === 'A' || (question.type as string) === 'ANY'
          ? addresses.map((data) => ({
              type: 'A' as const,
              class: 'IN' as const,
              name: question.name,
              ttl,
              data,
            }))
          : [];
      return dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        flags: QR | AA | ((query.flags ?? 0) & RD) | RA,
        questions: [question],
        answers,
      });
    }
    for (const upstream of this.#upstreams) {
      try {
        return await (transport === 'udp'
          ? this.#forwardUdp(message, upstream)
          : this.#forwardTcp(message, upstream));
      } catch (err) {
        this.#options.log.debug({ err, upstream }, 'DNS upstream did not answer');
      }
    }
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: QR | ((query.flags ?? 0) & RD) | RA | SERVFAIL,
      questions: query.questions ?? [],
    });
  }

  #forwardUdp(message: Buffer, upstream: { host: string; port: number }): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIPv6(upstream.host) ? 'udp6' : 'udp4');
      const timer = setTimeout(() => done(new Error('timeout')), this.#options.upstreamTimeoutMs ?? 2_000);
      const done = (error: Error | undefined, reply?: Buffer) => {
        clearTimeout(timer);
        socket.close();
        if (error) reject(error);
        else resolve(reply!);
      };
      socket.on('message', (reply) => {
        // Only the answer to this question (same id) counts.
        if (reply.length >= 2 && reply.readUInt16BE(0) === message.readUInt16BE(0)) done(undefined, reply);
      });
      socket.on('error', (error) => done(error));
      socket.send(message, upstream.port, upstream.host);
    });
  }

  #forwardTcp(message: Buffer, upstream: { host: string; port: number }): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: upstream.host, port: upstream.port });
      const timer = setTimeout(() => done(new Error('timeout')), this.#options.upstreamTimeoutMs ?? 2_000);
      let buf = Buffer.alloc(0);
      const done = (error: Error | undefined, reply?: Buffer) => {
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(reply!);
      };
      socket.on('connect', () => socket.write(withLength(message)));
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          done(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
        }
      });
      socket.on('error', (error) => done(error));
      socket.on('end', () => done(new Error('closed')));
    });
  }
}

/** The nameservers of /etc/resolv.conf (none when it cannot be read). */
export function resolvConfNameservers(path = '/etc/resolv.conf'): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);
}

function parseHostPort(text: string): { host: string; port: number } {
  const v6 = /^\[(.+)\]:(\d+)$/.exec(text);
  if (v6) return { host: v6[1]!, port: Number(v6[2]) };
  if (isIPv6(text)) return { host: text, port: 53 };
  const colon = text.lastIndexOf(':');
  return colon < 0
    ? { host: text, port: 53 }
    : { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

function withLength(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(message.length + 2);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** The header of a query it cannot read, sent back with an error code and no sections. */
function errorReply(message: Buffer, rcode: number): Buffer {
  const reply = Buffer.from(message.subarray(0, 12));
  const flags = reply.readUInt16BE(2);
  // QR set, opcode and RD kept, RA set, the rcode given; no records at all.
  reply.writeUInt16BE((flags & 0x7900) | QR | RA | rcode, 2);
  reply.writeUInt16BE(0, 4);
  reply.writeUInt16BE(0, 6);
  reply.writeUInt16BE(0, 8);
  reply.writeUInt16BE(0, 10);
  return reply;
}
