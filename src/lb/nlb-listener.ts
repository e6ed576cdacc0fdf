import { connect, createServer, type Server, type Socket } from 'node:net';
import type { LbServices } from './lb-services.ts';
import { listenAll } from './listen.ts';
import type { TargetGroupRuntime } from './target-group-runtime.ts';
import type { TargetRuntime } from './target-runtime.ts';

/** What a TCP listener runs with; replaced whole on apply, read by each new connection. */
export interface NlbListenerConfig {
  readonly port: number;
  /** The default action's target group; undefined when it is missing from the plan. */
  readonly group: TargetGroupRuntime | undefined;
}

/** NLB's fixed idle timeout for TCP flows. */
export const NLB_TCP_IDLE_TIMEOUT_MS = 350_000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A TCP listener of a network load balancer: each client connection is passed whole to one
 * target, bytes both ways with backpressure, a half-close on one side passed to the other. A flow
 * that cannot reach a target is reset, as NLB resets it.
 */
export class NlbListener {
  config: NlbListenerConfig;
  readonly flows = new Set<Socket>();
  #servers: Server[] = [];
  /** source_ip stickiness: client address to target key. */
  readonly #stuck = new Map<string, string>();

  constructor(
    readonly services: LbServices,
    config: NlbListenerConfig,
  ) {
    this.config = config;
  }

  async listen(addresses: readonly string[]): Promise<void> {
    this.#servers = await listenAll(
      () => createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.#flow(client)),
      addresses,
      this.config.port,
    );
  }

  /** Stops accepting; flows already passed on go on until they end or their target is cut. */
  async close(): Promise<void> {
    await Promise.all(this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.#servers = [];
  }

  /** Cuts every flow at once. */
  destroyFlows(): void {
    for (const s of this.flows) s.destroy();
  }

  #flow(client: Socket): void {
    const target = this.#choose(client.remoteAddress ?? '');
    if (target === undefined) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: target.id, port: target.port, allowHalfOpen: true, noDelay: true });
    this.flows.add(client);
    target.tunnels.add(upstream);
    let connected = false;
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => {
      if (!connected) upstream.destroy(new Error('connect timeout'));
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
    });
    client.setTimeout(NLB_TCP_IDLE_TIMEOUT_MS, () => {
      client.destroy();
      upstream.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
    // An error on one side resets the other, as a TCP RST would pass through NLB.
    upstream.on('error', () => {
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.on('error', () => {
      if (!upstream.destroyed) upstream.resetAndDestroy();
    });
    upstream.on('close', () => {
      target.tunnels.delete(upstream);
      if (!client.destroyed && !client.writableEnded) client.destroy();
    });
    client.on('close', () => {
      this.flows.delete(client);
      if (!upstream.destroyed) upstream.destroy();
    });
  }

  #choose(clientIp: string): TargetRuntime | undefined {
    const group = this.config.group;
    if (group === undefined) return undefined;
    const { stickiness } = group.plan;
    if (!stickiness.enabled || stickiness.type !== 'source_ip') return group.pick();
    const key = this.#stuck.get(clientIp);
    const stuck = key === undefined ? undefined : group.sticky(key);
    if (stuck !== undefined) return stuck;
    const target = group.pick();
    if (target !== undefined) this.#stuck.set(clientIp, target.key);
    return target;
  }
}
