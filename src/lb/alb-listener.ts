import { createServer, type Server } from 'node:net';
import type { AlbAction } from './alb-action.ts';
import { AlbConnection } from './alb-connection.ts';
import type { LbServices } from './lb-services.ts';
import { listenAll } from './listen.ts';
import type { CompiledRule } from './rule-matcher.ts';

/** What an ALB listener runs with; replaced whole on apply, read by each new request. */
export interface AlbListenerConfig {
  /** The load balancer's loopback address (the Host given to HTTP/1.0 requests without one). */
  readonly address: string;
  readonly port: number;
  readonly idleTimeoutMs: number;
  readonly rules: readonly CompiledRule<AlbAction>[];
}

/** An HTTP listener of an application load balancer: its sockets and client connections. */
export class AlbListener {
  config: AlbListenerConfig;
  readonly connections = new Set<AlbConnection>();
  #servers: Server[] = [];

  constructor(
    readonly services: LbServices,
    config: AlbListenerConfig,
  ) {
    this.config = config;
  }

  async listen(addresses: readonly string[]): Promise<void> {
    this.#servers = await listenAll(
      () =>
        // Half-open: a client may send its request and shut its side; the answer still goes out.
        createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
          this.connections.add(new AlbConnection(socket, this));
        }),
      addresses,
      this.config.port,
    );
  }

  /**
   * Stops accepting, closes idle connections at once and the others after their current
   * response; those still open after `graceMs` are cut.
   */
  close(graceMs = 30_000): Promise<void> {
    // The port is let go of at once; the callbacks wait for the connections.
    const closed = this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    this.#servers = [];
    for (const c of this.connections) c.closeWhenIdle();
    const timer = setTimeout(() => {
      for (const c of this.connections) c.destroy();
    }, graceMs);
    timer.unref();
    return Promise.all(closed).then(() => clearTimeout(timer));
  }
}
