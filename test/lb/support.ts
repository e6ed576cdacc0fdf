import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import pino from 'pino';
import type {
  ActionPlan,
  ConditionPlan,
  HealthCheckPlan,
  LbDataPlane,
  LbPlan,
  ListenerPlan,
  LoadBalancerPlan,
  RulePlan,
  TargetGroupPlan,
  TargetPlan,
} from '../../src/lb/lb-plan.ts';
import { LocalLbDataPlane, type LocalLbDataPlaneOptions } from '../../src/lb/local-lb-data-plane.ts';
import { WorkerLbDataPlane, type WorkerLbDataPlaneOptions } from '../../src/lb/worker-lb-data-plane.ts';

export const silent = pino({ level: process.env.NEARGATE_TEST_LOG ?? 'silent' });

/** A plain HTTP server on loopback that counts its connections and requests. */
export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  /** TCP connections accepted so far. */
  connections: number;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

/**
 * A backend answering `handler`, or by default 200 with a JSON body naming itself and echoing the
 * request (method, url, headers, body).
 */
export async function startBackend(
  name: string,
  handler?: (req: IncomingMessage, res: ServerResponse, backend: Backend) => void,
): Promise<Backend> {
  const sockets = new Set<Socket>();
  const backend: Backend = {
    name,
    port: 0,
    server: undefined as unknown as Server,
    connections: 0,
    requests: [],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => this.server.close(r));
    },
  };
  const server = createServer((req, res) => {
    backend.requests.push(req);
    if (handler) {
      handler(req, res, backend);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          backend: name,
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    backend.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(backend, { server, port: (server.address() as AddressInfo).port });
  return backend;
}

/** A loopback address and port of their own for this test's load balancer, unlikely to clash. */
export function freeListenerAddress(): { address: string; port: number } {
  return {
    address: `127.${randomInt(100, 250)}.${randomInt(0, 256)}.${randomInt(1, 255)}`,
    port: randomInt(20_000, 60_000),
  };
}

export const quickChecks: HealthCheckPlan = {
  enabled: true,
  protocol: 'HTTP',
  port: 'traffic-port',
  path: '/',
  intervalMs: 100,
  timeoutMs: 80,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  matcher: '200',
};

/** Target group settings without health checks: every target takes requests at once. */
export const noChecks: Partial<TargetGroupPlan> = { healthCheck: { ...quickChecks, enabled: false } };

export function targetGroup(
  arn: string,
  targets: readonly (TargetPlan | Backend)[],
  over: Partial<TargetGroupPlan> = {},
): TargetGroupPlan {
  return {
    arn,
    protocol: 'HTTP',
    port: 80,
    healthCheck: quickChecks,
    stickiness: { enabled: false, type: 'lb_cookie', durationSeconds: 86_400 },
    algorithm: 'round_robin',
    targets: targets.map((t) => ('server' in t ? { id: '127.0.0.1', port: t.port } : t)),
    ...over,
  };
}

export const forward = (...arns: string[]): ActionPlan => ({
  type: 'forward',
  targetGroups: arns.map((arn) => ({ arn, weight: 1 })),
});

export function rule(
  priority: number | 'default',
  conditions: ConditionPlan[],
  action: ActionPlan,
): RulePlan {
  return { arn: `rule-${priority}-${randomInt(1e9)}`, priority, conditions, actions: [action] };
}

export function httpListener(port: number, rules: RulePlan[]): ListenerPlan {
  return { arn: `listener-${port}`, port, protocol: 'HTTP', rules };
}

export function alb(
  arn: string,
  address: string,
  listeners: ListenerPlan[],
  over: Partial<LoadBalancerPlan> = {},
): LoadBalancerPlan {
  return {
    arn,
    type: 'application',
    address,
    dnsName:
      `${arn.replace(/[^a-z0-9]/gi, '-').slice(-30)}-${randomInt(1e9)}.us-east-1.elb.amazonaws.com`.toLowerCase(),
    idleTimeoutMs: 60_000,
    listeners,
    ...over,
  };
}

/** A data plane closed after the test. */
export function dataPlane(
  t: { after: (fn: () => Promise<void>) => void },
  options: Partial<LocalLbDataPlaneOptions> = {},
) {
  const dp = new LocalLbDataPlane({ log: silent, ...options });
  t.after(() => dp.close());
  return dp;
}

/** A data plane on a thread of its own, as the server runs it, closed after the test. */
export function workerDataPlane(
  t: { after: (fn: () => Promise<void>) => void },
  options: Partial<WorkerLbDataPlaneOptions> = {},
) {
  const dp = new WorkerLbDataPlane({ log: silent, ...options });
  t.after(() => dp.close());
  return dp;
}

/** One ALB with one HTTP listener whose default rule forwards to `group`; its URL. */
export async function simpleAlb(
  dp: LbDataPlane,
  groups: TargetGroupPlan[],
  rules?: RulePlan[],
  over: Partial<LoadBalancerPlan> = {},
): Promise<{ url: string; plan: LbPlan; address: string; port: number }> {
  const { address, port } = freeListenerAddress();
  const plan: LbPlan = {
    targetGroups: groups,
    loadBalancers: [
      alb(
        'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/test/1',
        address,
        [httpListener(port, rules ?? [rule('default', [], forward(groups[0]!.arn))])],
        over,
      ),
    ],
  };
  await dp.apply(plan);
  return { url: `http://${address}:${port}`, plan, address, port };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** An HTTP request with node:http; `agent` false (a connection per request) unless given. */
export function fetchText(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    agent?: import('node:http').Agent | false;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Whether a TCP connection to host:port is refused. */
export function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** Polls `cond` until it holds, or fails with `what` after `timeoutMs`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until every target of the group is in `state`. */
export function untilState(dp: LbDataPlane, arn: string, state: string, count?: number) {
  return until(
    () => {
      const h = dp.targetHealth(arn);
      return (count === undefined || h.length === count) && h.length > 0 && h.every((t) => t.state === state);
    },
    `targets of ${arn} ${state}: ${JSON.stringify(dp.targetHealth(arn))}`,
  );
}

/** A raw TCP client for what node:http will not send: pipelined requests, HTTP/1.0, broken heads. */
export class RawClient {
  readonly socket: import('node:net').Socket;
  received = '';
  closed = false;
  readonly #waiters = new Set<() => void>();

  private constructor(socket: import('node:net').Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.received += d;
      for (const w of this.#waiters) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.#waiters) w();
    });
    socket.on('error', () => {});
  }

  static async connect(host: string, port: number): Promise<RawClient> {
    const { connect } = await import('node:net');
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  send(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Waits until `cond(received)` holds (or the connection closed), then answers what was received. */
  async until(cond: (received: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!cond(this.received) && !this.closed) {
      if (Date.now() > deadline) assert.fail(`raw client timed out with: ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const w = () => {
          this.#waiters.delete(w);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(w, 100);
        this.#waiters.add(w);
      });
    }
    return this.received;
  }

  /** Waits until `count` complete responses with a Content-Length or chunked body have arrived. */
  responses(count: number): Promise<string> {
    return this.until((r) => splitResponses(r).length >= count);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Complete HTTP responses in `text` (Content-Length or chunked bodies), in order. */
export function splitResponses(text: string): { head: string; body: string }[] {
  const out: { head: string; body: string }[] = [];
  let pos = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', pos);
    if (end < 0) return out;
    const head = text.slice(pos, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length) {
      const bodyEnd = end + 4 + Number(length[1]);
      if (text.length < bodyEnd) return out;
      out.push({ head, body: text.slice(end + 4, bodyEnd) });
      pos = bodyEnd;
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      let p = end + 4;
      let body = '';
      for (;;) {
        const eol = text.indexOf('\r\n', p);
        if (eol < 0) return out;
        const size = Number.parseInt(text.slice(p, eol), 16);
        if (text.length < eol + 2 + size + 2) return out;
        if (size === 0) {
          const close = text.indexOf('\r\n', eol + 2);
          if (close < 0) return out;
          p = close + 2;
          break;
        }
        body += text.slice(eol + 2, eol + 2 + size);
        p = eol + 2 + size + 2;
      }
      out.push({ head, body });
      pos = p;
    } else {
      out.push({ head, body: '' });
      pos = end + 4;
    }
  }
}
